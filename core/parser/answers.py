"""Answers for messages that are not edits: thanks, greetings, and things Backtrack cannot do.

`answer(text)` is pure: the normalised message in, the words to say (or None) out. The parser
asks it only when it found nothing to do, so a real edit never ends up here. Each answer says
what Backtrack can do instead, so no one is left with a bare "didn't understand".
"""

from __future__ import annotations

import re
import unicodedata

from core.music.moods import SAY_MOODS

HELP_TEXT = (
    "Tell me what to do with your video in plain words, for example:\n"
    "• add lofi music at 20%, fade in 2s and fade out 5s, and mute my audio\n"
    "• use my song, start it at 0:05 and skip the first 20 seconds of the song\n"
    "• make the music quieter and duck it when I talk\n"
    "• trim to the first 30 seconds, vertical 9:16, normalize for YouTube\n"
    '• add the title "Summer 2024" for 3 seconds\n'
    f"Built-in moods: {SAY_MOODS} (or send your own song). "
    "I can also loop the music or play it once, stop it at a time, keep, lower or mute your "
    "sound, crop or pad to 1:1, 4:5 or 16:9, make it 720p or 1080p, and keep the file under a "
    "size (\"under 8 MB\")."
)

_WHAT_I_DO = ("I put music under videos and adjust the sound, length, shape and a title: "
              'e.g. "add calm music at 30%", "quieter", "fade out", "trim to 20 seconds", '
              '"vertical 9:16".')

_GLAD = ('Glad to help! Send another video any time, or tell me another change (e.g. "quieter", '
         '"fade out", "undo"). Say "export" to get the video again.')

_HELLO = ('Hi! Tell me what to do with your video, e.g. "add calm music at 30% and fade it out '
          'at the end".')
_HELLO_FIRST = ('Hi! Send me a video, then tell me what to do, e.g. "add calm music at 30% and '
                'fade it out at the end".')

_AFTER_THE_END = (
    "The video sets the length: the music stops when it ends, and I can't make the video longer. "
    'I can fade the music out at the end ("fade out") or end the song with the video ("end the '
    'song with the video").')

_CANNOT: list[tuple[str, str]] = [
    (r"\bsubtit\w*|\bcaptions\b|\btranscri\w*|字幕",
     "I can't make subtitles from speech. I can add one short title: "
     'add the title "Your words" for 3 seconds.'),
    (r"\bcolou?rs?\b|\bblack\s+(?:and|&)\s+white\b|\bb\s*&\s*w\b|\bgr[ae]yscale\b|\bbright\w*"
     r"|\bdark\w*|\bcontrast\b|\bsaturat\w*|\bfilters?\b|\bsepia\b|\bvintage\b|\bwarm\w*|\bcool\s+"
     r"tones?\b|\blut\b|\bgrad(?:e|ing)\b|调色|滤镜|颜色|亮度|黑白",
     "I can't change the picture's colours or add filters. " + _WHAT_I_DO),
    (r"\bspeed\w*|\bfaster\b|\bslower\b|\b\d+(?:\.\d+)?\s*x\b|\bslow\s*(?:it\s+)?(?:down|mo\w*)|\bfast(?:er)?\s+forward|\btime\s*lapse"
     r"|\breverse\b|\bplayback\s+rate|倍速|加速|慢动作|快进",
     "I can't change the video's speed. " + _WHAT_I_DO),
    (r"\bbest\s+(?:part|parts|bits?|moments?|scenes?|shots?|\d+)|\bhighlights?\b|\b(?:most\s+)?"
     r"interesting\s+parts?\b|\bboring\s+parts?\b|精彩(?:片段|部分|的部分)?|最好的部分|无聊的部分",
     "I can't pick the best or the boring parts of a video myself. Tell me which part to keep, "
     'e.g. "keep 0:05 to 0:15" or "keep the first 20 seconds".'),
    (r"\bafter\s+the\s+(?:video|clip)\s+(?:ends?|is\s+over|finish\w*|stops?)\b|\b(?:end|stop|"
     r"finish|last|continue|run|play)\w*\s+(?:[\d.]+\s*[a-z]*\s+)?(?:after|past|beyond)\s+the\s+"
     r"(?:video|clip|end)\b|\b(?:music|song)\s+"
     r"(?:\w+\s+){0,4}(?:longer\s+than|past|beyond)\s+the\s+(?:video|clip|end)\b|\bextend\s+the\s+"
     r"(?:video|clip)\b|\b(?:video|clip)\s+(?:as\s+long\s+as|longer\s+than)\s+the\s+(?:music|song)\b"
     r"|\bmake\s+(?:the\s+)?(?:video|clip)\s+longer\b|视频结束后|延长视频|视频(?:变|加)?长",
     _AFTER_THE_END),
    (r"\b\d{2,3}\s*fps\b|\bframe\s*rate\b|\bframes\s+per\s+second\b|帧率|\d+\s*帧",
     "I keep your video's frame rate as it was recorded; I can't change it. " + _WHAT_I_DO),
    (r"\b(?:mp3|wav|m4a|audio\s+only|only\s+(?:the\s+)?(?:audio|sound|music)|just\s+the\s+"
     r"(?:audio|sound|music)|extract\s+(?:the\s+)?(?:audio|sound|music|song))\b|只要音频|提取(?:音频|音乐)",
     "I send back videos (MP4), not sound files on their own. " + _WHAT_I_DO),
    (r"\bclear(?:er)?\b|\bclarity\b|\bnoise\b|\bhiss\b|\bhum\b|\becho\b|\breverb\b|\bwind\b|\bclean\s+up\b|\benhance\b|降噪|噪音",
     "I can't remove noise or clean up the recording. I can lower or mute your sound, make the "
     'music duck when you talk, or normalize the loudness ("normalize").'),
    (r"\bstickers?\b|\bemojis?\b|\blogo\b|\bwatermark\b|\boverlay\s+(?:an?\s+)?image"
     r"|\btransitions?\b|\beffects?\b|\bzoom\s+in\b|\bstabili[sz]\w*|\brotat\w*|\bflip\w*|\bmirror"
     r"|贴纸|特效|转场|水印",
     "I can't add stickers, effects or transitions, or turn the picture. I can add a title, "
     'change the shape ("vertical 9:16", "square") and put music under it.'),
    (r"\b(?:voice\s*over|narrat\w*|text\s+to\s+speech|tts|sing\w*|compose|write\s+(?:a\s+)?song)"
     r"|配音",
     "I can't record or make a voice or a new song. Send me your own audio file (mp3, m4a, wav) "
     f"to use it as the music, or pick a mood: {SAY_MOODS}."),
    (r"\b(?:merge|join|combine|stitch|concat\w*|split)\b|合并|拼接|拆分|分割",
     "I can join every clip you sent into one video (\"join my clips\"), but can't split a "
     'clip. To keep part of one, say e.g. "trim to the first 20 seconds".'),
    (r"\bbeats?\s*(?:sync|match)|\bmatch\w*\s+(?:the\s+)?beat|\bsync\w*|\bon\s+(?:the\s+)?beat"
     r"|卡点",
     "I can't cut the video to the beat. I can start the music at a time (\"start the music at "
     "0:05\") or skip into the song (\"skip the first 20 seconds of the song\")."),
    (r"^(?:but\s+)?(?:not|don'?t|do\s+not|never)(?:\s+make\s+(?:it|the\s+music))?\s+(?:any\s+)?"
     r"(?:louder|quieter|softer|lower|higher)$",
     'OK, the level stays as it is. Say "quieter" or "louder" when you want a change.'),
    (r"\b(?:higher|better|best|max(?:imum)?|top|high|full|original|great)\s+(?:video\s+)?quality\b"
     r"|\bhq\b|画质|高清|\b8k\b",
     "I keep your video's picture as sharp as it came: when only the sound changes it is copied "
     "untouched, otherwise re-encoded once. For a bigger picture name a size (\"1080p\", "
     "\"4k\"); I make up to 2160p (4k)."),
    (r"\b(?:song|music|track)'?s?\s+(?:intro|beginning)\b|\b(?:intro|beginning)\s+of\s+the\s+"
     r"(?:song|music|track)\b",
     'How long is the intro? Say e.g. "skip the first 15 seconds of the song".'),
    (r"^\d+(?:\.\d+)?\s*(?:s|secs?|seconds?|m|mins?|minutes?|秒钟?|分钟?)$|^\d+:\d{2}$",
     'What should happen then? Say e.g. "trim to the first 10 seconds", "cut the first 10 '
     'seconds" or "start the music at 0:10".'),
    (r"^\d+(?:\.\d+)?$",
     'Is that the music volume? Say "music at 20%" (or "fade out 3s", "trim to 20 seconds").'),
    (r"\bgif\b|\bmov\b|\bwebm\b|\bavi\b|\bformat\b|\bconvert\b|\bcompress\w*|\bsmaller\s+"
     r"file\b|\bfile\s+size\b|压缩|\bmake\s+(?:it|the\s+(?:video|file|clip))\s+(?:a\s+bit\s+)?"
     r"(?:smaller|lighter)\b|\b(?:too\s+big|too\s+large|too\s+heavy)\b|太大了?",
     "The result is always an MP4 (H.264 and AAC). To make it smaller, name a size (\"make it "
     'under 8 MB"), a lower resolution ("720p") or a shorter clip ("trim to the first 20 '
     'seconds").'),
    (r"\b(?:title|text|caption)\b.*\b(?:bigger|smaller|size|font|colou?r|red|blue|green|yellow|black"
     r"|white|bold|bottom|top|left|right|cent(?:er|re)|move|position|style|animat\w*)\b",
     "I can't change the title's size, colour, font or place: it is white, centred near the "
     'top. I can change its words and time: add the title "New words" at 0:02 for 4 seconds.'),
    (r"\btitle\b|\btext\b|\bcaption\b|\bheading\b|标题",
     'What should the title say? Put the words in quotes, e.g. add the title "Summer 2024" '
     "for 3 seconds."),
    (r"\bstretch\w*|\bdistort\w*",
     "I don't stretch the picture. When the shape changes I fill the sides with a blurred copy, "
     'or crop ("vertical 9:16 crop"), or add black bars ("square with black bars").'),
    (r"\bshorter\b|\blonger\b|\bextend\b|\btoo\s+long\b|\bintro\b|\boutro\b|\bbeginning\b"
     r"|\bending\b|短一点|长一点",
     'Tell me how long: e.g. "trim to the first 20 seconds", "cut the last 5 seconds" or '
     '"keep 0:05 to 0:15".'),
]

_TALK: list[tuple[str, str]] = [
    (r"^(?:thanks?|thank\s+you|thx|ty|cheers|great|perfect|awesome|nice|cool|love\s+it|"
     r"looks?\s+(?:great|good|nice|perfect)|good\s+job|well\s+done|amazing|ok(?:ay)?|k|yes|yep|"
     r"yeah|sure|fine|good|done|that'?s?\s+(?:it|all|great|good|perfect)|"
     r"谢谢你?|谢啦|感谢|多谢|好的|好|可以|不错|完美|太棒了|是)(?:[\s,]+(?:so\s+much|a\s+lot|very\s+much|"
     r"again|thanks|thank\s+you|please|you|now|that'?s?\s+(?:it|all)|do\s+it|go\s+ahead))*$",
     _GLAD),
    (r"^(?:hi|hello|hey|yo|hiya|howdy|good\s+(?:morning|afternoon|evening)|你好|您好|嗨|哈喽)"
     r"(?:\s+(?:there|bot|backtrack))?$",
     _HELLO),
    (r"^(?:what\s+can\s+you\s+do|how\s+does\s+(?:this|it)\s+work|how\s+do\s+i\s+use\s+(?:this|"
     r"you|it)|what\s+do\s+you\s+do|commands|options|what\s+(?:are\s+)?(?:the\s+)?(?:moods|"
     r"music|songs)(?:\s+(?:do\s+you\s+have|are\s+there))?|你能做什么|怎么用)$", HELP_TEXT),
    (r"^(?:redo|re-do|redo\s+(?:that|it|this)|undo\s+(?:the|my)\s+undo|bring\s+(?:it|that)\s+"
     r"back|重做|恢复撤销)$",
     "I can't redo an undo: say the change again (e.g. \"add calm music\"), and \"undo\" "
     "steps back one edit."),
    (r"^(?:undo\s+(?:that|it|this|the\s+last\s+(?:one|edit|change))|go\s+back|revert\w*"
     r"|take\s+(?:that|it)\s+back|back|previous|返回|回退|撤销一下)$|\bundo\b",
     'To step back one edit, send just "undo".'),
]

_EXPORT_TALK = (
    r"\bexport\b|\bdownload\b|\b(?:where\s+is|can\s+i\s+(?:get|have|see|download)|give\s+me"
    r"|get\s+me|show\s+me|send"
    r"(?:\s+me)?)\s+(?:my|the|it|this|that)\b.*?(?:video|clip|file|result|mp4)?$")
"""Asking for the file in words the export command does not take ("export in 60fps" is
answered by what cannot be done first)."""

_MORE = (r"^(?:(?:a\s+)?(?:bit|little|tad|touch)\s+|even\s+|some\s+|much\s+|way\s+)?more"
         r"(?:\s+(?:please|again))?$|^(?:again|once\s+more|same\s+again|do\s+it\s+again|再来一点"
         r"|再一点|再多一点)$")


def answer(text: str, has_video: bool = True) -> str | None:
    """Words for a message with no edit in it, or None to give the general help."""
    symbols = any(unicodedata.category(ch) == "So" for ch in text)
    text = re.sub(r"[^\w\s:'&%.-]", " ", text.lower()).strip()
    if not text:
        return _WHAT_I_DO if symbols else None  # an emoji or a sticker: say what I can do
    if re.search(r"^(?:no|nope|nah|不|不要|不是)$", text):
        return ('OK. Tell me what to change (e.g. "quieter", "fade out", "calm music"), or say '
                '"undo" to step back one edit.')
    for pattern, words in _TALK:
        if re.search(pattern, text):
            return words if has_video or words != _HELLO else _HELLO_FIRST
    text = " ".join(re.sub(r"\b(?:please|pls|plz|can\s+you|could\s+you|would\s+you|i\s+want"
                           r"\s+to|i'?d\s+like\s+to|请|帮我|能不能)\b", " ", text).split())
    text = text.rstrip(" .")
    for pattern, words in _TALK:
        if re.search(pattern, text):
            return words
    if re.search(_MORE, text):
        return ('More of what? Say e.g. "a bit quieter", "louder", "fade out longer" or '
                '"music at 20%".')
    for pattern, words in _CANNOT:
        if re.search(pattern, text):
            return words
    if re.search(_EXPORT_TALK, text):
        return 'Say "export" and I\'ll send the video again (or "export 720p", "export 9:16").'
    return None


def is_more(text: str) -> bool:
    """ "a bit more", "even more", "again": repeat the last step."""
    return re.search(_MORE, text.strip()) is not None


def is_little(text: str) -> bool:
    return re.search(r"\b(?:bit|little|tad|touch)\b|一点", text) is not None
