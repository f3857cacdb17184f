"""Command line: ``python -m landmarks annotate PHOTO -o OUT.png [--json OUT.json]``.

The same analysis as at upload, for batch use. Reads what OpenCV reads (JPEG,
PNG, WebP, with EXIF orientation applied); HEIC goes through the web app.
"""
from __future__ import annotations

import argparse
import json
import sys

import cv2

from landmarks.analysis import analyse, working_copy
from landmarks.draw import draw_regions
from landmarks.export import analysis_dict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m landmarks", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    annotate = commands.add_parser("annotate", help="analyse a photo and draw its treatment regions")
    annotate.add_argument("photo")
    annotate.add_argument("-o", "--output", required=True, help="annotated image (PNG)")
    annotate.add_argument("--json", help="write the analysis as JSON here")
    annotate.add_argument("--mesh", action="store_true", help="also draw the 478 mesh points")
    annotate.add_argument("--lines", action="store_true", help="also draw the detected wrinkle lines")
    args = parser.parse_args(argv)

    bgr = cv2.imread(args.photo, cv2.IMREAD_COLOR)
    if bgr is None:
        print(f"error: cannot read {args.photo} as an image", file=sys.stderr)
        return 2
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    working = working_copy(rgb)
    analysis = analyse(rgb, working=working)
    drawn = draw_regions(working, analysis, mesh=args.mesh, lines=args.lines)
    if not cv2.imwrite(args.output, cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR)):
        print(f"error: cannot write {args.output}", file=sys.stderr)
        return 2
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(analysis_dict(analysis), handle, indent=1)
    for warning in analysis.warnings:
        print(f"warning: {warning.message}", file=sys.stderr)
    return 0 if analysis.face_found else 1


if __name__ == "__main__":
    sys.exit(main())
