"""The Chinese for the edges of Backtrack: NemoVideo's side, the console, the platforms'
adapters and the limits (part of core/words_zh.py's catalogue, in its order)."""

from __future__ import annotations

UNITS = (("s", "秒"), ("min", "分钟"), ("h", "小时"))

EDGES: list[tuple[str, str]] = [
    # The console (bots/console.py).
    (r"^Making a sample clip…$", "正在制作示例视频…"),
    (r"^Made a sample clip \((\d+) s, (\S+)\) with its own test tone\.$",
     r"做好了一个示例视频（\1 秒，\2），带测试音。"),
    (r"^Couldn't make the sample clip: ffmpeg failed\.$", "没能做出示例视频：ffmpeg 出错了。"),
    (r"^There is no file at (.+)\.$", r"这里没有文件：\1"),
    (r"^I can't read the file at (.+)\.$", r"读不了这个文件：\1"),
    # The local engine: a clip re-encoded so phones play it (core/local/probe.py).
    (r"^(Your clip's video is )interlaced H\.264,", r"\1隔行扫描的 H.264,"),
    (r"^Your clip's video is (.+?), which many phones and Telegram's player can't play, so I "
     r"re-encoded it to H\.264 \(8-bit 4:2:0\), which plays everywhere\.",
     r"你的视频是 \1，很多手机和 Telegram 的播放器播放不了，所以我把它重新编码成了 H.264"
     r"（8 位 4:2:0），到处都能播放。"),
    (r" It was interlaced; it is progressive now\.", "原来是隔行扫描，现在是逐行扫描。"),
    (r" It was HDR; its colours are brought to standard range \(SDR\), so it does not look "
     r"washed out\.", "原来是 HDR，颜色已转换为标准动态范围（SDR），不会发灰。"),
    (r"not done: the built-in music is composed to fit your clip, so it has no part to skip "
     r"\(say \"start the music at 0:10\" to bring it in later\)",
     "没有做：内置音乐是按你的视频长度作的，没有可以跳过的部分（想让音乐晚点进来，可以说“音乐从0:10开始”）"),
    (r"not done: I can't change the sound's tone \(bass, treble, pitch\) or add a beat drop",
     "没有做：我不能调整声音的音色（低音、高音、音调），也不能加节拍重音"),
    (r"^I can't change the sound's tone \(bass, treble, pitch\) or add a beat drop$",
     "我不能调整声音的音色（低音、高音、音调），也不能加节拍重音"),
    (r"not done: one title at a time \(I kept the last one\)",
     "没有做：一次只能有一个标题（保留了最后一个）"),
    (r"not done: the space around the picture is blurred, black or cropped, not a colour",
     "没有做：画面周围只能是模糊、黑边或裁剪，不能用别的颜色"),
    (r"^I keep your video's frame rate as it was recorded; I can't change it\..*$",
     "我会保持视频原来的帧率，不能修改。我能配音乐，调整声音、长度、画面比例和标题。"),
    (r"^I send back videos \(MP4\), not sound files on their own\..*$",
     "我只回传视频（MP4），不单独导出音频文件。我能配音乐，调整声音、长度、画面比例和标题。"),
    (r"a short song loops to fill the video \(I don't change its speed\)",
     "较短的歌会循环播放以填满视频（我不改变歌曲速度）"),
    (r"not done: how far the music goes down under speech is fixed",
     "没有做：说话时音乐降低的幅度是固定的"),
    # A gradual change of the music's level (core/timeline/describe.py, core/local/edit_music.py).
    (r"rising to (\d+)% at ([\d.]+)-([\d.]+)s", r"\2-\3s 逐渐升到 \1%"),
    (r"falling to (\d+)% at ([\d.]+)-([\d.]+)s", r"\2-\3s 逐渐降到 \1%"),
    (r"music (rising|falling) from (\d+)% to (\d+)% (?:from|between) (\d[\d:]*(?:\.\d+)?) "
     r"(?:to|and) (\d[\d:]*(?:\.\d+)?)", r"音乐从 \4 到 \5 由 \2% 逐渐变为 \3%"),
    # The clip's own sound back for one part only (core/local/edits.py).
    (r"your sound only from (\d[\d:]*(?:\.\d+)?) to (\d[\d:]*(?:\.\d+)?) \(muted elsewhere\)",
     r"原声只保留 \1 到 \2（其余部分静音）"),
    # NemoVideo (core/nemo): the bot's own words around what NemoVideo does and says.
    (r"^Say “export” and I'll render the video for you\.$", "说“导出”，我就为你生成视频。"),
    (r"^Tell me the change in words and I'll make it\.$", "用文字告诉我要怎么改，我来完成。"),
    (r"^Tell me what to change and I'll do it\.$", "告诉我要改什么，我来完成。"),
    (r"Your NemoVideo session had expired, so I started a new, empty timeline\. ?",
     "你的 NemoVideo 会话已过期，我新建了一条空的时间线。"),
    (r"Send your video again\.$", "请重新发送你的视频。"),
    (r"Added (“.+?”) \(([^)]*)\) to your NemoVideo project\.$",
     r"已把\1（\2）加入你的 NemoVideo 项目。"),
    (r"Added (“.+?”) to your NemoVideo project\.$", r"已把\1加入你的 NemoVideo 项目。"),
    (r"^NemoVideo credits: (\S+) available, (\S+) reserved by work in progress, (\S+) in total\.",
     r"NemoVideo 积分：可用 \1，进行中占用 \2，共 \3。"),
    (r"^NemoVideo credits: (\S+) available, (\S+) in total\.", r"NemoVideo 积分：可用 \1，共 \2。"),
    (r"^NemoVideo credits: (\S+) available\.", r"NemoVideo 积分：可用 \1。"),
    (r" ?Exports are free; an editing session costs about 50 credits\.$",
     "导出免费；一次编辑会话大约消耗 50 积分。"),
    (r"^NemoVideo did not say how many credits are left\.$", "NemoVideo 没有告诉我还剩多少积分。"),
    (r"^The free NemoVideo credits of this bot are used up\. Register on NemoVideo to get more "
     r"credits\.", "这个机器人的 NemoVideo 免费积分用完了。在 NemoVideo 注册可以获得更多积分。"),
    (r"^The NemoVideo account of this bot is out of credits: top up your credits in the "
     r"NemoVideo account to continue\.",
     "这个机器人的 NemoVideo 账户积分用完了：请在 NemoVideo 账户里充值后继续。"),
    (r" ?Open this link to claim the project and register: (\S+)$",
     r"打开这个链接认领项目并注册：\1"),
    (r"^NemoVideo can't use this type of file\. Send one of these: (.+)\.$",
     r"NemoVideo 不能用这种文件。请发以下格式之一：\1。"),
    (r"^This file is over NemoVideo's 500 MB limit\..*$",
     "这个文件超过了 NemoVideo 500 MB 的上限。请剪短或压缩后再发。"),
    (r"^NemoVideo's free plan doesn't allow this export\..*$",
     "NemoVideo 的免费套餐不能这样导出。注册或升级 NemoVideo 套餐即可导出。"),
    (r"^NemoVideo is getting too many requests right now\..*$",
     "NemoVideo 现在请求太多。请过一分钟再试。"),
    (r"^The NemoVideo token this bot is configured with is invalid or expired\..*$",
     "这个机器人配置的 NemoVideo 令牌无效或已过期。需要机器人的管理员设置有效的 NEMO_TOKEN"
     "（或者去掉它，改用免费的入门令牌）。"),
    *[(rf"^NemoVideo took too long \({limit}\), so I stopped waiting\. {said}$",
       f"NemoVideo 用时太长（{zh_limit}），我不再等了。{zh_said}")
      for limit, zh_limit in (("15 minutes", "15 分钟"), ("10 minutes without progress",
                                                         "10 分钟没有进展"))
      for said, zh_said in ((r"It did change the timeline\.", "时间线已经改了。"),
                            (r"Nothing changed; send the request again to retry\.",
                             "没有任何变化；再发一次请求即可重试。"))],
    (r"^NemoVideo ran into a problem with this request and nothing changed\..*$",
     "NemoVideo 处理这个请求时出了问题，没有任何变化。请再试一次，或者换个说法。"),
    (r"^The connection to NemoVideo dropped; checking whether your edit went through…$",
     "和 NemoVideo 的连接断了，正在检查你的修改是否完成…"),
    (r"^NemoVideo stopped answering and your edit did not go through\..*$",
     "NemoVideo 没有回应，你的修改没有完成。没有任何变化；再发一次同样的请求即可重试。"),
    (r"^Still working… \(check (\d+) of (\d+)\)$", r"还在处理…（第 \1 次检查，共 \2 次）"),
    (r"^Still working…$", "还在处理…"),
    # The platforms' adapters (bots/adapter.py, telegram_replies.py, discord_*.py).
    (r"^Sorry, I couldn't send the video \((\w+) didn't answer\)\. It is ready here: (\S+)$",
     r"抱歉，视频没发出去（\1 没有回应）。可以在这里下载：\2"),
    (r"^Sorry, I couldn't send the video \((\w+) didn't answer\); say 'export' to try again\.$",
     r"抱歉，视频没发出去（\1 没有回应）；发送“导出”再试一次。"),
    (r"^The video \((.+?)\) is too big to send here; try \"export 720p\" for a smaller file\.$",
     r"视频（\1）太大，这里发不了；试试“导出 720p”得到一个小一点的文件。"),
    (r"^The video is too big to send here; try \"export 720p\" for a smaller file\.$",
     "视频太大，这里发不了；试试“导出 720p”得到一个小一点的文件。"),
    (r"^Your video \((.+?)\) is ready: (\S+)$", r"你的视频（\1）做好了：\2"),
    (r"^Your video is ready: (\S+)$", r"你的视频做好了：\1"),
    (r"^Your video is ready but it is (.+?), too big to upload here.*$",
     r"视频做好了，但有 \1，太大，这里传不了，也没有配置下载链接。"
     "试试“导出 720p”得到一个小一点的文件。"),
    (r"^Telegram lets bots fetch files up to 20 MB — send a shorter clip, or a link to the file\.$",
     "Telegram 只允许机器人下载 20 MB 以内的文件——请发一个短一点的视频，或发文件的链接。"),
    (r"^Sorry, I'm not available in this server or channel\.$",
     "抱歉，我在这个服务器或频道里不可用。"),
    (r"^I couldn't download that attachment from Discord; please send it again\.$",
     "我没能从 Discord 下载那个附件，请再发一次。"),
    (r"^That file is over the (\d+) MB limit\.$", r"这个文件超过了 \1 MB 的上限。"),
    (r"^Here is your video\.$", "这是你的视频。"),
    # Edits said not done or with limits (core/local/edits.py, core/parser).
    (r"^The video sets the length: the music stops when it ends, and I can't make the video "
     r"longer\..*$", "视频决定长度：视频结束时音乐就停，我不能把视频变长。我可以让音乐在结尾淡出"
     "（说“淡出”），或者让歌曲和视频一起结束（说“歌曲和视频一起结束”）。"),
    (r"(?:not done: )?I can't find a part of a song \(its chorus, intro or drop\) by ear; say "
     r"where it is, e\.g\. \"start the song 45 seconds in\"",
     "没有做：我听不出歌曲的副歌、前奏或高潮在哪里；请告诉我位置，比如“歌曲从45秒开始放”"),
    (r"not done: which half\? Say \"keep the first half\" or \"keep the second half\"",
     "没有做：哪一半？请说“保留前半段”或“保留后半段”"),
    (r"^I can't pick the best or the boring parts of a video myself\..*$",
     "我没法自己挑出视频里最好或无聊的部分。告诉我要保留哪一段，比如“保留0:05到0:15”或“保留前20秒”。"),
    (r"(?:not done: )?I can't repeat the video itself \(the music loops under it on its own\)",
     "没有做：我不能让视频本身重复播放（音乐会在视频下自动循环）"),
    (r"back to your video as you sent it: no music, title, trim or other change",
     "恢复成你发来的原视频：没有音乐、标题、剪切或其他修改"),
    (r"[Tt]hat part ends before it starts", "这一段的结束早于开始"),
    (r"[Aa] title needs some time on screen \(say e\.g\. \"for 3 seconds\"\)",
     "标题需要显示一段时间（比如说“显示 3 秒”）"),
]
