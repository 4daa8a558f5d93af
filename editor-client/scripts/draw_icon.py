"""Draw the extension's icon, images/icon.png (128 x 128, as the Marketplace wants): three lines
of code, a red squiggle under the last, and a speech bubble with a question mark.

    .venv/bin/python editor-client/scripts/draw_icon.py     # needs Pillow (matplotlib brings it)
"""

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "images" / "icon.png"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
NAVY, PAPER, RED, YELLOW = (30, 58, 95, 255), (200, 214, 229, 255), (240, 80, 70, 255), (255, 200, 60, 255)


def main() -> None:
    size = 512  # drawn large, then scaled down for smooth edges
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle([16, 16, size - 16, size - 16], radius=96, fill=NAVY)
    for i, (x0, width) in enumerate([(84, 300), (124, 220), (84, 170)]):
        y = 100 + i * 64
        draw.rounded_rectangle([x0, y, x0 + width, y + 28], radius=14, fill=PAPER)
    draw.line([(84 + t, 278 + 11 * math.sin(t / 13)) for t in range(0, 172, 2)], fill=RED, width=13, joint="curve")
    x0, y0, x1, y1 = 256, 296, 444, 440
    draw.rounded_rectangle([x0, y0, x1, y1], radius=40, fill=YELLOW)
    draw.polygon([(286, 430), (266, 480), (336, 436)], fill=YELLOW)
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2 + 4), "?", font=ImageFont.truetype(FONT, 124), fill=NAVY, anchor="mm")
    OUT.parent.mkdir(exist_ok=True)
    img.resize((128, 128), Image.LANCZOS).save(OUT, optimize=True)


if __name__ == "__main__":
    main()
