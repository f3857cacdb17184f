"""Attack the public gallery's de-identified images with an off-the-shelf face recogniser.

Each of the 51 people of the development set (Face Research Lab London Set, DeBruine & Jones
2017, CC BY 4.0) becomes a patient with a de-identified marketing consent and a published case:
the smiling photo before, the photo at rest after, compared on the upper face. The public image
is fetched anonymously, as anyone would, and attacked by dlib's 2017 face recogniser (the model
of the ``face_recognition`` package), which holds one ordinary photo of each of the 51 (the
photo at rest: the attacker's best case, the very photo the case was made from):

- every detector: dlib's HOG detector and its CNN detector, each with 0-2 upsamplings;
- forced boxes: where a face would be when nothing is detected (each photo's half of the
  image, the whole image, and the canonical frame's face box, where the app puts every face).

Each public image gets, per enrolled person, the smallest descriptor distance over all of its
faces and boxes; rank-1 and rank-5 are how often the true person is first or among the first
five (chance: 2 % and 10 %). The same attack on the identifiable rendering of the same cases
(the whole aligned upper face) shows that it works. Targets: rank-1 at most 10 %, rank-5 at
most 25 %.

    pip install -e '.[test,bench]'     # scikit-image, dlib-bin, face_recognition_models
    python bench/deidentify.py [--faces DIR] [--limit N] [--sheet OUT.png]

``--faces`` defaults to ``../shared/faces/london`` (development machines). Elsewhere download
the set from doi:10.6084/m9.figshare.5047666.v5 and point ``--faces`` at a folder holding
``neutral/ID_03.jpg`` and ``smiling/ID_08.jpg``.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

DEFAULT_FACES = Path(__file__).resolve().parents[2] / "shared" / "faces" / "london"
PASSWORD = "bench password 1"


class Recogniser:
    """dlib's face detectors and 128-d face descriptor, with the models the registry ships."""

    def __init__(self) -> None:
        try:
            import dlib
            import face_recognition_models as models
        except ImportError:
            sys.exit("This bench needs the recogniser: pip install -e '.[bench]' (dlib-bin, face_recognition_models)")
        self.dlib = dlib
        self.hog = dlib.get_frontal_face_detector()
        self.cnn = dlib.cnn_face_detection_model_v1(models.cnn_face_detector_model_location())
        self.shape = dlib.shape_predictor(models.pose_predictor_five_point_model_location())
        self.describe = dlib.face_recognition_model_v1(models.face_recognition_model_location())

    def detections(self, rgb: np.ndarray) -> list:
        boxes = []
        for upsample in (0, 1, 2):
            boxes += list(self.hog(rgb, upsample))
            if rgb.shape[0] * rgb.shape[1] * 4 ** upsample <= 4_000_000:  # the CNN's memory, not its reach
                boxes += [d.rect for d in self.cnn(rgb, upsample)]
        return boxes

    def descriptors(self, rgb: np.ndarray, forced: list[tuple[int, int, int, int]]) -> tuple[list[np.ndarray], int]:
        """Descriptors of every detected face and every forced box (x0, y0, x1, y1); and how many were detected."""
        found = self.detections(rgb)
        boxes = found + [self.dlib.rectangle(*box) for box in forced]
        out = [np.asarray(self.describe.compute_face_descriptor(rgb, self.shape(rgb, box))) for box in boxes]
        return out, len(found)

    def enrol(self, rgb: np.ndarray) -> np.ndarray:
        faces = list(self.hog(rgb, 1)) or [d.rect for d in self.cnn(rgb, 0)]
        if not faces:
            raise RuntimeError("no face in a reference photo")
        face = max(faces, key=lambda r: r.width() * r.height())
        return np.asarray(self.describe.compute_face_descriptor(rgb, self.shape(rgb, face)))


def forced_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Where an attacker would look without a detection: each half, the whole, and the canonical face
    box (eyes at (480, 400) with 300 px between them in the upper crop, under the 56-px label bar)."""
    h, w = rgb.shape[:2]
    boxes = [(0, 0, w // 2, h), (w // 2, 0, w, h), (0, 0, w, h)]
    for x_offset in (0, 968):
        boxes.append((x_offset + 180, 56 + 150, x_offset + 780, 56 + 640))
    return [(max(0, x0), max(0, y0), min(w, x1), min(h, y1)) for x0, y0, x1, y1 in boxes]


def publish_cases(faces: Path, ids: list[str]) -> dict[str, dict[str, bytes]]:
    """Each person's public image, de-identified and identifiable, as the app serves it."""
    from app import create_app
    from gallery.auth import hash_password, new_api_token
    from gallery.db import get_db
    from gallery.models import Clinic, User

    app = create_app({"GALLERY_DATA_DIR": tempfile.mkdtemp(prefix="deidentify-"), "GALLERY_QUEUE_URL": "immediate",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db = get_db()
        clinic = Clinic(name="Bench Clinic")
        db.add(clinic)
        db.flush()
        user = User(clinic_id=clinic.id, email="bench@clinic.test", name="Bench", role="admin",
                    password_hash=hash_password(PASSWORD))
        db.add(user)
        db.flush()
        token = new_api_token(user)
        db.commit()
    staff = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    public = app.test_client()
    images: dict[str, dict[str, bytes]] = {}
    for face_id in ids:
        patient = staff.post("/api/v1/patients", json={"name": f"Person {face_id}"}, headers=headers).get_json()["id"]
        photos = []
        for folder, suffix, expression, day in (("smiling", "08", "smile", "2026-01-05"),
                                                ("neutral", "03", "rest", "2026-01-20")):
            data = (faces / folder / f"{face_id}_{suffix}.jpg").read_bytes()
            made = staff.post(f"/api/v1/patients/{patient}/photos", headers=headers, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(data), f"{face_id}.jpg"), "expression": expression,
                                    "taken_at": day})
            photos.append(made.get_json()["id"])
        made = staff.post("/api/v1/comparisons", headers=headers, json={"before": photos[0], "after": photos[1]})
        if made.status_code != 201:
            print(f"  {face_id}: no comparison ({made.get_json()['error']['message']})")
            continue
        comparison = made.get_json()["id"]
        images[face_id] = {}
        for identifiable in (False, True):
            staff.post(f"/api/v1/patients/{patient}/consents", headers=headers, json={
                "scopes": ["clinical", "marketing"], "signed_name": "Bench", "text_version": "1",
                "marketing_identifiable": identifiable})
            published = staff.post(f"/api/v1/comparisons/{comparison}/publish", headers=headers)
            if published.status_code != 200:
                print(f"  {face_id}: not published ({published.get_json()['error']['message']})")
                continue
            response = public.get(f"/gallery/{comparison}/image.png")
            if response.status_code == 200:
                images[face_id]["identifiable" if identifiable else "deidentified"] = response.data
    return images


def attack(recogniser: Recogniser, references: dict[str, np.ndarray], probes: dict[str, bytes]) -> dict[str, float]:
    names = list(references)
    gallery = np.stack([references[n] for n in names])
    ranks, detected = [], 0
    for face_id, png in probes.items():
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        descriptors, found = recogniser.descriptors(rgb, forced_boxes(rgb))
        detected += found > 0
        distances = np.min([np.linalg.norm(gallery - d, axis=1) for d in descriptors], axis=0)
        order = [names[i] for i in np.argsort(distances)]
        ranks.append(order.index(face_id) + 1)
    ranks_arr = np.asarray(ranks)
    return {"n": len(ranks), "rank1": float(np.mean(ranks_arr == 1)), "rank5": float(np.mean(ranks_arr <= 5)),
            "detected": detected / max(1, len(ranks))}


def contact_sheet(images: dict[str, dict[str, bytes]], out: Path, columns: int = 4, width: int = 480) -> None:
    tiles = []
    for face_id in sorted(images):
        if "deidentified" in images[face_id]:
            tile = Image.open(io.BytesIO(images[face_id]["deidentified"])).convert("RGB")
            tiles.append(tile.resize((width, round(tile.height * width / tile.width))))
    rows = [tiles[i:i + columns] for i in range(0, len(tiles), columns)]
    sheet = Image.new("RGB", (columns * width, sum(max(t.height for t in row) for row in rows)), "white")
    y = 0
    for row in rows:
        for x, tile in enumerate(row):
            sheet.paste(tile, (x * width, y))
        y += max(t.height for t in row)
    sheet.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=DEFAULT_FACES)
    parser.add_argument("--limit", type=int, default=0, help="only the first N people")
    parser.add_argument("--sheet", type=Path, help="write the de-identified images as a contact sheet (PNG)")
    args = parser.parse_args()
    if not (args.faces / "neutral").is_dir():
        sys.exit(f"No development faces in {args.faces}: download the Face Research Lab London Set "
                 "(doi:10.6084/m9.figshare.5047666.v5, CC BY 4.0) and pass --faces DIR.")
    ids = sorted(p.stem.split("_")[0] for p in (args.faces / "neutral").glob("*_03.jpg"))
    ids = ids[:args.limit] if args.limit else ids
    recogniser = Recogniser()
    started = time.perf_counter()
    references = {face_id: recogniser.enrol(np.asarray(Image.open(args.faces / "neutral" / f"{face_id}_03.jpg")
                                                       .convert("RGB"))) for face_id in ids}
    images = publish_cases(args.faces, ids)
    print(f"{len(ids)} people enrolled, {sum('deidentified' in v for v in images.values())} de-identified cases "
          f"published ({time.perf_counter() - started:.0f} s)")
    for form in ("deidentified", "identifiable"):
        probes = {face_id: v[form] for face_id, v in images.items() if form in v}
        figures = attack(recogniser, references, probes)
        print(f"{form:>13}: rank-1 {100 * figures['rank1']:5.1f} %  rank-5 {100 * figures['rank5']:5.1f} %  "
              f"(n={figures['n']}, a face detected in {100 * figures['detected']:.0f} %; "
              f"chance {100 / len(references):.0f} % and {500 / len(references):.0f} %)", flush=True)
    if args.sheet:
        contact_sheet(images, args.sheet)
        print(f"contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
