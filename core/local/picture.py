"""The picture side of a render: output geometry and the video filter graph (pure)."""

from __future__ import annotations

import re
from pathlib import Path

ASPECTS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1),
                                       "4:5": (4, 5)}


def even(value: float) -> int:
    """The nearest even number of pixels (H.264 with 4:2:0 needs even sizes), at least 2."""
    return max(2, round(value / 2) * 2)


def geometry(
    width: int, height: int, aspect: str | None, fill: str, short_side: int | None,
    cap: int, upscale: bool,
) -> tuple[int, int, int, int, str | None]:
    """Output size, size of the picture inside it, and the fill mode in use (None: no change
    of shape). Shapes only grow to the asked short side when `upscale` is set."""
    ratio = ASPECTS.get(aspect or "")
    mode: str | None = None
    cw, ch = float(width), float(height)
    if ratio is not None and abs(width / height - ratio[0] / ratio[1]) > 0.01:
        a = ratio[0] / ratio[1]
        mode = fill if fill in ("blur", "crop", "pad") else "blur"
        wider = width / height > a
        if mode == "crop":
            cw, ch = (height * a, float(height)) if wider else (float(width), width / a)
        else:
            cw, ch = (float(width), width / a) if wider else (height * a, float(height))
    target = short_side or cap
    if not upscale:
        target = min(target, cap if short_side is None else short_side, int(min(cw, ch)))
    scale = target / min(cw, ch)
    out_w, out_h = even(cw * scale), even(ch * scale)
    if mode in ("blur", "pad"):
        inner = min(out_w / width, out_h / height)
        return out_w, out_h, even(width * inner), even(height * inner), mode
    return out_w, out_h, out_w, out_h, mode


BLUR_RADIUS = 8
"""Box blur radius on the 1/8-size background (about 64 px of the full picture)."""


def blur(width: int, height: int) -> str:
    """The background blur for a picture of this size, with its trailing comma; empty when
    the picture is too small to blur. `boxblur` wants a radius below half the smallest plane,
    and 4:2:0 chroma planes are half the size, rounded up: an 8x14 background (a 64x64 clip
    made 9:16) has 4x7 chroma, radius below 2 ("must be >= 0 and < 2": code 234)."""
    radius = min(BLUR_RADIUS, ((min(width, height) + 1) // 2 - 1) // 2)
    return f"boxblur={radius}:2," if radius >= 1 else ""


FAST = ":flags=fast_bilinear"
TO_SDR = {
    "hlg": "zscale=t=bt709:p=bt709:m=bt709:r=tv:npl=100,format=yuv420p",
    "pq": ("zscale=t=linear:npl=203,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius"
           ":param=0.8:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p"),
}
"""HDR to standard range (BT.709), so phones without HDR do not show it washed out. HLG was
made to look right on standard screens: converted directly (light above the reference white
clips). PQ (HDR10) holds highlights up to 10,000 nits: they are tone-mapped from a reference
white of 203 nits, where HDR10 is graded to put it (ITU-R BT.2408), with mobius linear up to
0.8 of it and the highlights rolled off above (its default 0.3 darkened mid-tones by 15
levels). Measured on SDR pictures made HDR and back (tests/core/local/test_playable.py):
within a few levels of the original, where a copy of the HDR values is 30-50 levels off."""
DEINTERLACE = "bwdif=mode=send_frame:parity=auto:deint=interlaced"
"""Fields to frames for interlaced sources (camcorders, TV): the frame rate stays, frames not
marked interlaced pass untouched."""
"""Scaling of the background, which is blurred anyway: the cheapest filter (measured 5% of the
CPU of a 1080p -> 9:16 render saved, the picture region unchanged: SSIM 0.995 on the whole
frame against bicubic)."""


def square_pixels(width: int | None, height: int | None, sar: float) -> str:
    """The filter that brings squeezed pixels (HDV's 1440x1080 at 4:3) to the picture as shown,
    with a comma after it, or "" for square pixels: every re-encode reads the picture at the
    size it is shown, so nothing comes out squeezed."""
    if sar == 1.0 or not width or not height:
        return ""
    return f"scale={width}:{height},setsar=1,"


def escape_value(text: str) -> str:
    """A filter option value as ffmpeg reads it inside `-filter_complex`: first escaped for
    the option parser (\\ ' :), then for the graph parser (\\ ' [ ] , ;)."""
    option = re.sub(r"([\\':])", r"\\\1", text)
    return re.sub(r"([\\'\[\],;])", r"\\\1", option)


def video_filter(
    src: tuple[int, int], out: tuple[int, int], inner: tuple[int, int], mode: str | None,
    title: tuple[float, float, str] | None = None, title_file: Path | None = None,
    font_file: Path | None = None, deinterlace: bool = False, hdr: str | None = None,
    sar: float = 1.0,
) -> str:
    """The "[0:v]...[vout]" graph: deinterlace (fields to frames, for interlaced sources),
    HDR to standard range, reshape (blur/pad/crop), resize, then the title."""
    (src_w, src_h), (out_w, out_h), (fg_w, fg_h) = src, out, inner
    if mode == "blur":
        small_w, small_h = even(out_w / 8), even(out_h / 8)
        chain = (
            "[0:v]split=2[bg][fg];"
            f"[bg]scale={small_w}:{small_h}:force_original_aspect_ratio=increase{FAST},"
            f"crop={small_w}:{small_h},{blur(small_w, small_h)}"
            f"scale={out_w}:{out_h}{FAST}[bgb];"
            f"[fg]scale={fg_w}:{fg_h}[fgs];"
            f"[bgb][fgs]overlay=({out_w}-w)/2:({out_h}-h)/2"
        )
    elif mode == "pad":
        chain = f"[0:v]scale={fg_w}:{fg_h},pad={out_w}:{out_h}:(ow-iw)/2:(oh-ih)/2:black"
    elif mode == "crop":
        a = out_w / out_h
        wider = src_w / src_h > a
        # Never larger than the source (a 1x1 clip has no 2-pixel crop); the scale after it
        # makes the size even.
        cw, ch = ((min(src_w, max(1, round(src_h * a))), src_h) if wider
                  else (src_w, min(src_h, max(1, round(src_w / a)))))
        chain = f"[0:v]crop={cw}:{ch},scale={out_w}:{out_h}"
    elif (out_w, out_h) != (src_w, src_h):  # also evens out odd sizes
        chain = f"[0:v]scale={out_w}:{out_h}"
    else:
        chain = "[0:v]null"
    chain += ",setsar=1,format=yuv420p"
    first = "".join(f"{step}," for step in (DEINTERLACE if deinterlace else "",
                                              TO_SDR.get(hdr or "", "")) if step)
    first += square_pixels(src_w, src_h, sar)
    chain = chain.replace("[0:v]", f"[0:v]{first}", 1)
    if title and title_file:
        start, end, text = title
        longest = max(len(line) for line in text.splitlines() or [text])
        size = max(10, min(min(out_w, out_h) // 10, int(out_w * 0.9 / (0.6 * max(longest, 1)))))
        font = (f"fontfile={escape_value(str(font_file))}" if font_file
                else "font=Sans")
        chain += (
            f",drawtext={font}:textfile={escape_value(str(title_file))}"
            f":expansion=none:fontsize={size}:fontcolor=white"
            f":borderw={max(1, out_h // 270)}:bordercolor=black@0.8"
            f":x=(w-text_w)/2:y=h/10:enable=between(t\\,{start:.3f}\\,{end:.3f})"
        )
    return chain + "[vout]"
