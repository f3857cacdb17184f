"""A chain of 500 clinics on one PostgreSQL: every page and list in issue 34's table, large against small.

Builds two PostgreSQL databases, each with the schema of the app's own migrations
(``create_app`` migrates on start) and a few real rows made through the app (a
clinic, its staff and tokens, a patient with two uploads of a real photo analysed
by the app, a grade, a comparison published with marketing consent, a plan on a
lot from stock and its recorded treatment, intake and treatment consent). Those
rows are then multiplied in SQL (``INSERT ... SELECT`` over ``generate_series``):

* large: 500 clinics, 200,000 patients, 1 M visits, 10.1 M photos, 30 M audit rows,
  0.9 M plans (and their revisions and treatment records); clinic 1 has 20,000
  patients and 200,000 photos, 900 lots and 1 M audit rows;
* small: the one clinic alone, with 200 patients and 2,000 photos.

What is shared, to fit a shared machine's disk: photos point at 64 stored blob sets
(copies of the two real uploads; a patient's photos each name a different one), and
only clinic 1's photos carry the full analysis (landmarks, outlines); the other
clinics' photos carry the analysis's summary as their analysis. Secondary indexes
and foreign keys of the bulk tables are dropped while rows are loaded and made
again after (their definitions read back from the migrated schema first).

Then gunicorn serves each database as the README runs it (``gunicorn.conf.py``, 2
workers), and each request of the table is made one at a time, ``--runs`` times,
as clinic 1's admin, its medical director or its API token; p50 and p95 of each
are printed, large against small, then the slowest SQL statement of each request
on the large database with its plan (``EXPLAIN ANALYZE``): which indexes serve it.

    python bench/chain.py [--scale 1] [--runs 30] [--keep] [--reuse]

``--scale 0.01`` builds a hundredth (5 clinics, 2,000 patients, 101,000 photos).
``--reuse`` measures databases built before (and kept with ``--keep``).
Needs a role that may create databases: ``--admin-url`` (default
``postgresql+psycopg://gallery:gallery@127.0.0.1:5432/postgres``).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402

from bench.serve import gunicorn  # noqa: E402

ADMIN, DIRECTOR, PASSWORD = "admin@chain.test", "director@chain.test", "chain bench password 1"
TOTP_SECRET = "CHAINBENCHSECRETCHAINBENCHSECRET"  # both sign in with a second factor, as admins and directors must
BLOB_SETS = 64
VISITS_PER_PATIENT = 5
STATE = Path(tempfile.gettempdir()) / "gallery-chain"


@dataclass(frozen=True)
class Layout:
    """How many rows of each kind; clinic 1 is the measured one ("big")."""

    clinics: int
    patients: int               # in all, clinic 1's included
    big_patients: int           # clinic 1's
    photos_per_visit: int       # other clinics' (clinic 1: two, rest and frown)
    audit_rows: int
    big_audit_rows: int
    published_per_clinic: int = 5

    @classmethod
    def chain(cls, scale: float) -> Layout:
        clinics = max(2, round(500 * scale))
        big = max(20, round(20_000 * scale))
        return cls(clinics=clinics, patients=max(big + clinics, round(200_000 * scale)), big_patients=big,
                   photos_per_visit=11, audit_rows=round(30_000_000 * scale), big_audit_rows=round(1_000_000 * scale))

    @classmethod
    def one_clinic(cls) -> Layout:
        return cls(clinics=1, patients=200, big_patients=200, photos_per_visit=11, audit_rows=10_000,
                   big_audit_rows=10_000)

    @property
    def photos(self) -> int:
        return (self.big_patients * 2 + (self.patients - self.big_patients) * self.photos_per_visit) * VISITS_PER_PATIENT

    def describe(self) -> str:
        visits = self.patients * VISITS_PER_PATIENT
        return (f"{self.clinics} clinics, {self.patients:,} patients, {visits:,} visits, {self.photos:,} photos, "
                f"{self.audit_rows:,} audit rows, {visits * 9 // 10:,} plans; clinic 1: {self.big_patients:,} "
                f"patients, {self.big_patients * 10:,} photos")


def _sync_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _recreate(admin_url: str, name: str) -> str:
    with psycopg.connect(_sync_url(admin_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


# --- the real rows, made through the app -----------------------------------------------------

def seed(url: str, data_dir: str) -> dict[str, object]:
    """Clinic 1 made through the app: staff, a patient with two analysed uploads (rest, frown), a grade,
    a comparison published with marketing consent, stock, a saved plan and its recorded treatment."""
    from app import create_app
    from gallery.auth import hash_password, new_api_token
    from gallery.db import get_db
    from gallery.models import Clinic, User, utcnow
    from tests.images import astronaut_jpeg
    from tests.web.helpers import SIGNATURE, NO_FLAGS

    app = create_app({"DATABASE_URL": url, "GALLERY_DATA_DIR": data_dir, "GALLERY_QUEUE_URL": "immediate",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        db = get_db()
        clinic = Clinic(name="Chain clinic 1")
        db.add(clinic)
        db.flush()
        admin = User(clinic_id=clinic.id, email=ADMIN, name="Chain Admin", password_hash=hash_password(PASSWORD),
                     role="admin")
        director = User(clinic_id=clinic.id, email=DIRECTOR, name="Chain Director",
                        password_hash=hash_password(PASSWORD), role="medical_director")
        for user in (admin, director):
            user.totp_secret, user.totp_enabled_at = TOTP_SECRET, utcnow()
        db.add_all([admin, director])
        db.flush()
        token = new_api_token(admin)
        db.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def api(method: str, path: str, **kwargs: object) -> requests.Response:
        response = client.open(path, method=method, headers={**headers, **kwargs.pop("headers", {})}, **kwargs)
        assert response.status_code in (200, 201), (path, response.status_code, response.get_data()[:300])
        return response

    patient = api("POST", "/api/v1/patients", json={"name": "Patient 000000", "phone": "+44 20 7946 0000",
                                                    "email": "p0@chain.test"}).get_json()["id"]
    photos = {}
    for expression, seed_value, day in (("rest", 4.0, "2025-01-02"), ("frown", 4.0, "2025-01-02"),
                                         ("rest", 3.0, "2025-04-02"), ("frown", 3.0, "2025-04-02")):
        photo = api("POST", f"/api/v1/patients/{patient}/photos", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(astronaut_jpeg(seed_value) + expression.encode() + day.encode()),
                                   "p.jpg"), "expression": expression, "taken_at": day}).get_json()
        assert photo["analysis_status"] == "done", photo
        photos[(expression, day)] = photo["id"]
    comparison = api("POST", "/api/v1/comparisons", json={"before": photos[("rest", "2025-01-02")],
                                                         "after": photos[("rest", "2025-04-02")]}).get_json()["id"]
    api("POST", f"/api/v1/patients/{patient}/consents",
        json={"scopes": ["clinical", "marketing"], "signed_name": "Patient 000000", "text_version": "1"})
    api("POST", f"/api/v1/comparisons/{comparison}/publish")
    product = api("POST", "/api/v1/products", json={"name": "Botox 100 U", "manufacturer": "Allergan",
                                                     "units_per_vial": 100}).get_json()["id"]
    lot = api("POST", "/api/v1/lots", json={"product_id": product, "lot_number": "L00000",
                                            "expires_on": "2030-06-30"}).get_json()["id"]
    frown = photos[("frown", "2025-04-02")]
    sites = api("GET", f"/api/v1/photos/{frown}/plan").get_json()["sites"][:5]
    etag = api("GET", f"/api/v1/photos/{frown}/plan").headers["ETag"]
    plan = api("PUT", f"/api/v1/photos/{frown}/plan", json={"sites": sites, "lot_id": lot},
               headers={"If-Match": etag}).get_json()
    api("POST", f"/api/v1/patients/{patient}/intake", json=NO_FLAGS)
    api("POST", f"/api/v1/patients/{patient}/treatment-consents",
        json={"text_version": "1", "signed_name": "Patient 000000", "signature": SIGNATURE})
    api("POST", f"/api/v1/visits/{plan['visit_id']}/treatment", json={})
    _sign_in(client.get, client.post, url, ADMIN)
    graded = client.post(f"/photos/{photos[('frown', '2025-01-02')]}/grades", data={"grade_glabella": "2"})
    assert graded.status_code == 302, graded.get_data()[:300]
    with app.app_context():  # the blob sets generated photos point at: copies of the real uploads
        store = app.extensions["gallery_store"]
        db = get_db()
        from gallery.models import Photo
        sources = [db.get(Photo, photos[("rest", "2025-01-02")]), db.get(Photo, photos[("frown", "2025-01-02")])]
        variants = ("original", "display", "thumb", "lines")
        blobs = [{v: store.read(p.sha256, v) for v in variants} for p in sources]
        shas = []
        for n in range(BLOB_SETS):
            sha = hashlib.sha256(f"chain blob set {n}".encode()).hexdigest()
            for variant, data in blobs[n % 2].items():
                store.put(sha, variant, data)
            shas.append(sha)
    app.extensions["gallery_engine"].dispose()
    return {"token": token, "shas": shas, "photos": {f"{e} {d}": i for (e, d), i in photos.items()}}


# --- the rows multiplied, in SQL ----------------------------------------------------------------

BULK_TABLES = ("clinics", "users", "patients", "visits", "photos", "region_grades", "comparisons", "consent_records",
               "medical_histories", "treatment_consents", "products", "lots", "injection_plans", "plan_revisions",
               "treatment_records", "audit_events", "consent_texts", "treatment_consent_texts")


def _unindex(cur: psycopg.Cursor) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Drop the bulk tables' secondary indexes, unique constraints and foreign keys; returns how to make them again."""
    tables = list(BULK_TABLES)
    cur.execute("""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE contype IN ('f', 'u') AND conrelid::regclass::text = ANY(%s) ORDER BY contype DESC""",
                (tables,))
    constraints = cur.fetchall()  # unique first, then foreign keys (made again in the other order)
    cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'
                   AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                   WHERE c.conname = i.indexname)""", (tables,))
    indexes = cur.fetchall()
    for table, name, _ in reversed(constraints):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes], constraints


def multiply(url: str, layout: Layout, seeded: dict[str, object], *, log=print) -> None:
    """Clinic 1's rows made through the app, multiplied to ``layout`` (clinic 1 keeps its real rows)."""
    shas = seeded["shas"]
    with psycopg.connect(_sync_url(url), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET synchronous_commit = off")
        started = time.perf_counter()

        def step(label: str, *statements: str, params: dict | None = None) -> None:
            t0 = time.perf_counter()
            for statement in statements:
                cur.execute(statement, params if "%" in statement else None)
            log(f"  {label:<44} {time.perf_counter() - t0:7.1f} s")

        indexes, constraints = _unindex(cur)
        p = {"clinics": layout.clinics, "patients": layout.patients, "big": layout.big_patients,
             "others": max(layout.clinics - 1, 1), "ppv": layout.photos_per_visit, "vpp": VISITS_PER_PATIENT,
             "audit": layout.audit_rows, "big_audit": layout.big_audit_rows, "shas": shas,
             "published": layout.published_per_clinic}
        # Ids of generated rows: fixed offsets past the real ones, so every row's relations are arithmetic.
        cur.execute("""CREATE TEMP TABLE t AS SELECT
            (SELECT u.password_hash FROM users u WHERE u.email = %(admin)s) AS password_hash,
            (SELECT p FROM photos p WHERE p.expression = 'frown' ORDER BY p.id LIMIT 1) AS frown,
            (SELECT c FROM comparisons c ORDER BY c.id LIMIT 1) AS comparison,
            (SELECT r FROM consent_records r ORDER BY r.id LIMIT 1) AS consent,
            (SELECT m FROM medical_histories m ORDER BY m.id LIMIT 1) AS intake,
            (SELECT tc FROM treatment_consents tc ORDER BY tc.id LIMIT 1) AS tconsent,
            (SELECT ip FROM injection_plans ip ORDER BY ip.id LIMIT 1) AS plan,
            (SELECT tr FROM treatment_records tr ORDER BY tr.id LIMIT 1) AS treatment,
            (SELECT pr FROM products pr ORDER BY pr.id LIMIT 1) AS product""", {"admin": ADMIN})
        P0, V0, PH0, U0, L0, PL0, A0, CM0 = 1000, 10_000, 100_000, 1000, 1000, 10_000, 100_000, 1000
        p.update(P0=P0, V0=V0, PH0=PH0, U0=U0, L0=L0, PL0=PL0, A0=A0, CM0=CM0,
                 big_photos=layout.big_patients * VISITS_PER_PATIENT * 2)
        # patient i (0-based): clinic 1 for i < big, else 2 + (i - big) mod others; q its number in its clinic.
        clinic_of = "CASE WHEN i < %(big)s THEN 1 ELSE 2 + (i - %(big)s) %% %(others)s END"
        local_of = "CASE WHEN i < %(big)s THEN i ELSE (i - %(big)s) / %(others)s END"
        step("clinics, staff, texts, products", """
            INSERT INTO clinics (id, name, export_originals, require_second_factor, created_at)
            SELECT c, 'Chain clinic ' || c, false, false, timestamp '2020-01-01' FROM generate_series(2, %(clinics)s) c""",
             """INSERT INTO users (id, clinic_id, email, name, password_hash, role, created_at, session_epoch)
            SELECT %(U0)s + c * 5 + k, c, (ARRAY['admin','director','injector-a','injector-b','injector-c'])[k + 1]
                   || c || '@chain.test', 'Staff ' || c || '-' || k, t.password_hash,
                   (ARRAY['admin','medical_director','injector','injector','injector'])[k + 1],
                   timestamp '2020-01-01', 0
            FROM t, generate_series(1, %(clinics)s) c, generate_series(0, 4) k""",
             """INSERT INTO consent_texts (clinic_id, version, title, body, published_at, reconsent_scopes)
            SELECT c, x.version, x.title, x.body, x.published_at, x.reconsent_scopes
            FROM consent_texts x, generate_series(2, %(clinics)s) c WHERE x.clinic_id = 1""",
             """INSERT INTO treatment_consent_texts (clinic_id, version, title, body, published_at)
            SELECT c, x.version, x.title, x.body, x.published_at
            FROM treatment_consent_texts x, generate_series(2, %(clinics)s) c WHERE x.clinic_id = 1""",
             """INSERT INTO products (clinic_id, name, manufacturer, units_per_vial, reconstitution_note, created_at)
            SELECT c, (t.product).name, (t.product).manufacturer, (t.product).units_per_vial,
                   (t.product).reconstitution_note, (t.product).created_at FROM t, generate_series(2, %(clinics)s) c""",
             params=p)
        # Lots: one per ~100 treatments, numbered alike in every clinic (a chain buys the same lots):
        # clinic 1 has big*5*0.9/100 of them, the others 18 each.
        p["big_lots"] = max(5, layout.big_patients * 45 // 1000)
        p["lots"] = max(3, (layout.patients - layout.big_patients) * 45 // 1000 // p["others"])
        step("lots", """
            INSERT INTO lots (id, clinic_id, product_id, lot_number, expires_on, received_on, created_at)
            SELECT %(L0)s + n, 1, (SELECT id FROM products WHERE clinic_id = 1), 'L' || lpad(n::text, 5, '0'),
                   date '2030-06-30', date '2020-01-01', timestamp '2020-01-01'
            FROM generate_series(1, %(big_lots)s - 1) n""", """
            INSERT INTO lots (id, clinic_id, product_id, lot_number, expires_on, received_on, created_at)
            SELECT %(L0)s + %(big_lots)s + (c - 2) * %(lots)s + n, c, pr.id, 'L' || lpad(n::text, 5, '0'),
                   date '2030-06-30', date '2020-01-01', timestamp '2020-01-01'
            FROM generate_series(2, %(clinics)s) c JOIN products pr ON pr.clinic_id = c,
                 generate_series(0, %(lots)s - 1) n""", params=p)
        step("patients", f"""
            INSERT INTO patients (id, clinic_id, name, external_id, phone, email, created_at)
            SELECT %(P0)s + i, {clinic_of}, 'Patient ' || lpad((i + 1)::text, 6, '0'), 'EXT-' || i,
                   '+44 20 7946 ' || lpad((i %% 10000)::text, 4, '0'), 'p' || i || '@chain.test',
                   timestamp '2020-01-01' + i * interval '1 minute'
            FROM generate_series(0, %(patients)s - 1) i""", params=p)
        # visit v = i * 5 + k; 9 in 10 treated; one treated visit in 90 awaits sign-off.
        step("visits", f"""
            INSERT INTO visits (id, clinic_id, patient_id, visit_date, notes, treated, created_at, signed_off_at,
                                signed_off_by_id)
            SELECT %(V0)s + i * 5 + k, {clinic_of}, %(P0)s + i, date '2021-01-04' + k * 120 + i %% 90, '',
                   (i * 5 + k) %% 10 <> 9, timestamp '2021-01-04',
                   CASE WHEN (i * 5 + k) %% 10 <> 9 AND (i * 5 + k) %% 90 <> 0 THEN timestamp '2021-06-01' END,
                   CASE WHEN (i * 5 + k) %% 10 <> 9 AND (i * 5 + k) %% 90 <> 0 THEN %(U0)s + ({clinic_of}) * 5 + 1 END
            FROM generate_series(0, %(patients)s - 1) i, generate_series(0, 4) k""", params=p)
        # Photos: clinic 1 two a visit (rest, frown), the others photos_per_visit; a patient's photo n names
        # blob set n (different within a patient, shared across patients). Clinic 1 carries the full analysis.
        photo_columns = """(id, clinic_id, patient_id, visit_id, sha256, content_type, original_size, original_filename,
                            width, height, taken_at, expression, view, analysis, summary, analysis_version,
                            analysis_status, created_at)"""
        step("photos of clinic 1", f"""
            INSERT INTO photos {photo_columns}
            SELECT %(PH0)s + (i * 5 + k) * 2 + j, 1, %(P0)s + i, %(V0)s + i * 5 + k, (%(shas)s::text[])[k * 2 + j + 1],
                   (t.frown).content_type, (t.frown).original_size, 'photo.jpg', (t.frown).width, (t.frown).height,
                   timestamp '2021-01-04 10:00' + (k * 120 + i %% 90) * interval '1 day' + j * interval '1 minute',
                   CASE WHEN j = 0 THEN 'rest' ELSE 'frown' END, 'front', (t.frown).analysis,
                   CASE WHEN j = 1 AND i %% 5 = 0 THEN jsonb_set((t.frown).summary::jsonb, '{{indices,glabella}}',
                       to_jsonb(round((0.5 + (i * 7 + k * 13) %% 100 / 40.0)::numeric, 3)))::json
                   ELSE (t.frown).summary END,
                   (t.frown).analysis_version, 'done', timestamp '2021-01-04'
            FROM t, generate_series(0, %(big)s - 1) i, generate_series(0, 4) k, generate_series(0, 1) j""", params=p)
        step("photos of the other clinics", f"""
            INSERT INTO photos {photo_columns}
            SELECT %(PH0)s + %(big_photos)s + ((i - %(big)s) * 5 + k) * %(ppv)s + j, {clinic_of}, %(P0)s + i,
                   %(V0)s + i * 5 + k, (%(shas)s::text[])[k * %(ppv)s + j + 1],
                   (t.frown).content_type, (t.frown).original_size, 'photo.jpg', (t.frown).width, (t.frown).height,
                   timestamp '2021-01-04 10:00' + (k * 120 + i %% 90) * interval '1 day' + j * interval '1 minute',
                   (ARRAY['rest','frown','raise','smile'])[j %% 4 + 1], (ARRAY['front','left45','right45'])[j / 4 + 1],
                   (t.frown).summary, (t.frown).summary, (t.frown).analysis_version, 'done', timestamp '2021-01-04'
            FROM t, generate_series(%(big)s, %(patients)s - 1) i, generate_series(0, 4) k,
                 generate_series(0, %(ppv)s - 1) j""", params=p)
        # Grades: clinic 1 grades the frown photo of every fifth patient's visits (20,000 at full size), the
        # others one frown photo in twenty; the grade follows the index, with some disagreement.
        step("region grades", """
            INSERT INTO region_grades (clinic_id, photo_id, region, grade, graded_by_id, graded_at)
            SELECT p.clinic_id, p.id, 'glabella',
                   LEAST(3, GREATEST(0, floor((p.summary -> 'indices' ->> 'glabella')::float * 1.2
                                               + (p.id %% 7 - 3) / 6.0)::int)),
                   %(U0)s + p.clinic_id * 5 + 2, p.taken_at + interval '5 minutes'
            FROM photos p WHERE p.id >= %(PH0)s AND p.expression = 'frown'
              AND CASE WHEN p.clinic_id = 1 THEN (p.patient_id - %(P0)s) %% 5 = 0 ELSE p.id %% 20 = 1 END""",
             params=p)
        # Comparisons: every fourth patient, first rest photo of visit 0 against visit 1's; the first
        # `published` of each clinic published (the gallery's cases), with marketing consent.
        step("comparisons", f"""
            INSERT INTO comparisons (id, clinic_id, patient_id, before_photo_id, after_photo_id, crop,
                                     exposure_matched, result, created_by_id, created_at, published_at,
                                     published_by_id, public_image_sha256, public_image_identifiable, public_image_form)
            SELECT %(CM0)s + i / 4, {clinic_of}, %(P0)s + i, ph.id, ph.id + CASE WHEN i < %(big)s THEN 2 ELSE %(ppv)s END,
                   (t.comparison).crop, false, (t.comparison).result, %(U0)s + ({clinic_of}) * 5 + 2,
                   timestamp '2021-06-01' + i * interval '1 minute',
                   CASE WHEN ({local_of}) / 4 < %(published)s THEN timestamp '2021-06-02' + i * interval '1 minute' END,
                   CASE WHEN ({local_of}) / 4 < %(published)s THEN %(U0)s + ({clinic_of}) * 5 END,
                   CASE WHEN ({local_of}) / 4 < %(published)s THEN (t.comparison).public_image_sha256 END,
                   CASE WHEN ({local_of}) / 4 < %(published)s THEN (t.comparison).public_image_identifiable END,
                   CASE WHEN ({local_of}) / 4 < %(published)s THEN (t.comparison).public_image_form END
            FROM t, generate_series(0, %(patients)s - 1, 4) i
            JOIN photos ph ON ph.id = %(PH0)s + CASE WHEN i < %(big)s THEN i * 10
                                                     ELSE %(big_photos)s + (i - %(big)s) * 5 * %(ppv)s END""",
             params=p)
        step("consent, intake, treatment consent", f"""
            INSERT INTO consent_records (clinic_id, patient_id, action, scopes, marketing_identifiable, text_version,
                                         signed_name, recorded_by_id, recorded_by_patient, created_at)
            SELECT {clinic_of}, %(P0)s + i, 'grant',
                   CASE WHEN i %% 4 = 0 THEN (t.consent).scopes ELSE '["clinical"]'::json END,
                   (t.consent).marketing_identifiable, (t.consent).text_version, 'Patient ' || i,
                   %(U0)s + ({clinic_of}) * 5 + 2, false, timestamp '2021-01-04' + i * interval '1 minute'
            FROM t, generate_series(0, %(patients)s - 1) i""", f"""
            INSERT INTO medical_histories (clinic_id, patient_id, pregnant_or_breastfeeding, neuromuscular_disease,
                toxin_allergy, infection_at_sites, anticoagulants, aminoglycosides, previous_treatments,
                other_medication, notes, recorded_by_id, recorded_at)
            SELECT {clinic_of}, %(P0)s + i, false, false, false, false, false, false, '', '', '',
                   %(U0)s + ({clinic_of}) * 5 + 2, timestamp '2021-01-04' + i * interval '1 minute'
            FROM generate_series(0, %(patients)s - 1) i""", f"""
            INSERT INTO treatment_consents (clinic_id, patient_id, action, text_version, signed_name,
                                            recorded_by_id, created_at)
            SELECT {clinic_of}, %(P0)s + i, 'grant', (t.tconsent).text_version, 'Patient ' || i,
                   %(U0)s + ({clinic_of}) * 5 + 2, timestamp '2021-01-04' + i * interval '1 minute'
            FROM t, generate_series(0, %(patients)s - 1) i""", params=p)
        # Plans, one revision each, and the treatment records of treated visits: 4 in 5 name a lot from
        # stock, the fifth types it (other case, spaces). Each lot serves ~100 treatments in a row.
        lot_n = (f"CASE WHEN i < %(big)s THEN (i * 5 + k) / 100 %% %(big_lots)s "
                 f"ELSE ((({local_of}) * 5 + k) / 100) %% %(lots)s END")
        lot_id = (f"CASE WHEN i < %(big)s THEN CASE WHEN ({lot_n}) = 0 THEN (t.plan).lot_id ELSE %(L0)s + ({lot_n}) END "
                  f"ELSE %(L0)s + %(big_lots)s + ({clinic_of} - 2) * %(lots)s + ({lot_n}) END")
        treated = "FROM t, generate_series(0, %(patients)s - 1) i, generate_series(0, 4) k WHERE (i * 5 + k) %% 10 <> 9"
        first_photo = "%(PH0)s + CASE WHEN i < %(big)s THEN (i * 5 + k) * 2 + 1 ELSE %(big_photos)s + ((i - %(big)s) * 5 + k) * %(ppv)s + 1 END"
        step("plans and revisions", f"""
            INSERT INTO injection_plans (id, clinic_id, visit_id, photo_id, product, lot, dilution, lot_id, sites,
                                         injector_id, created_at, updated_at, revision)
            SELECT %(PL0)s + i * 5 + k, {clinic_of}, %(V0)s + i * 5 + k, {first_photo}, (t.plan).product,
                   'L' || lpad(({lot_n})::text, 5, '0'), (t.plan).dilution,
                   CASE WHEN (i * 5 + k) %% 5 = 4 THEN NULL ELSE {lot_id} END, (t.plan).sites,
                   %(U0)s + ({clinic_of}) * 5 + 2, timestamp '2021-01-04', timestamp '2021-01-04', 1
            {treated}""", """
            INSERT INTO plan_revisions (clinic_id, plan_id, revision, photo_id, product, lot, dilution, lot_id, sites,
                                        injector_id, saved_at)
            SELECT clinic_id, id, 1, photo_id, product, lot, dilution, lot_id, sites, injector_id, created_at
            FROM injection_plans WHERE id >= %(PL0)s""", """
            INSERT INTO treatment_records (clinic_id, visit_id, given_at, product, lot, lot_id, dilution, sites,
                                           total_units, warnings, override_reason, recorded_by_id, recorded_at)
            SELECT ip.clinic_id, ip.visit_id, timestamp '2021-01-04 11:00', ip.product,
                   CASE WHEN ip.lot_id IS NULL AND ip.visit_id %% 2 = 0 THEN ' ' || lower(ip.lot) || ' ' ELSE ip.lot END,
                   ip.lot_id, ip.dilution, ip.sites, (t.treatment).total_units, (t.treatment).warnings, '',
                   ip.injector_id, ip.created_at
            FROM t, injection_plans ip WHERE ip.id >= %(PL0)s""", params=p)
        # Audit: clinic 1 has big_audit rows, the rest spread over the others; each names a patient,
        # photo, visit or comparison of its clinic (views mostly), newest last.
        step("audit events", """
            INSERT INTO audit_events (clinic_id, actor, action, object_type, object_id, at)
            SELECT 1, 'user:' || (%(U0)s + 5 + n %% 5), (ARRAY['view','view','view','grade','create'])[n %% 5 + 1],
                   (ARRAY['patient','photo','visit','comparison'])[n %% 4 + 1],
                   CASE n %% 4 WHEN 0 THEN %(P0)s + (n / 4) %% %(big)s WHEN 1 THEN %(PH0)s + (n / 4) %% (%(big)s * 10)
                               WHEN 2 THEN %(V0)s + (n / 4) %% (%(big)s * 5) ELSE %(CM0)s + (n / 4) %% (%(big)s / 4) END,
                   timestamp '2021-01-04' + n * interval '1 second'
            FROM generate_series(0, %(big_audit)s - 1) n""", """
            INSERT INTO audit_events (clinic_id, actor, action, object_type, object_id, at)
            SELECT 2 + n %% %(others)s, 'user:' || (%(U0)s + (2 + n %% %(others)s) * 5 + n %% 5),
                   (ARRAY['view','view','view','grade','create'])[n %% 5 + 1],
                   (ARRAY['patient','photo','visit','comparison'])[n %% 4 + 1], %(P0)s + (n / 7) %% %(patients)s,
                   timestamp '2021-01-04' + n * interval '100 milliseconds'
            FROM generate_series(0, %(audit)s - %(big_audit)s - 1) n WHERE %(clinics)s > 1""", params=p)
        step("indexes and constraints again", *indexes,
             *(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition
               in constraints))
        cur.execute("""SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'
                       AND column_name = 'id' AND column_default LIKE 'nextval%%'""")
        step("sequences", *(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)" for (table,) in cur.fetchall()))
        step("vacuum analyze", "VACUUM ANALYZE")
        log(f"  {'built in':<44} {time.perf_counter() - started:7.1f} s")


# --- the requests, timed ------------------------------------------------------------------------

P0, V0, PH0 = 1000, 10_000, 100_000  # the generated rows' first ids (see ``multiply``)
PATIENT = P0 + 125       # a clinic 1 patient with 10 photos over 5 visits
LOT = "L00003"           # a lot of ~100 treatments of clinic 1, from stock and typed


def requests_of_the_table() -> list[tuple[str, str, str]]:
    """(label, who, path): issue 34's table, each as clinic 1's staff (or anyone) asks it."""
    return [
        ("public gallery", "anyone", "/gallery"),
        ("photo page, frown (graded)", "admin", f"/photos/{PH0 + 1}"),
        ("/admin/grade-calibration", "admin", "/admin/grade-calibration"),
        ("/audit filtered by object", "admin", f"/audit?object_type=patient&object_id={PATIENT}"),
        ("/audit, page 2", "admin", "/audit?page=2"),
        ("/patients, page 2", "admin", "/patients?page=2"),
        ("GET /api/v1/patients", "token", "/api/v1/patients"),
        ("GET /api/v1/patients, page 300", "token", "/api/v1/patients?page=300"),
        ("/sign-off", "director", "/sign-off"),
        ("recalls page", "admin", f"/recalls?lot={LOT}"),
        ("recalls API", "token", f"/api/v1/recalls?lot={LOT}"),
        ("recalls CSV", "admin", f"/recalls.csv?lot={LOT}"),
        ("patient timeline", "admin", f"/patients/{PATIENT}"),
        ("photo page, rest", "admin", f"/photos/{PH0 + 1250}"),
        ("API patient", "token", f"/api/v1/patients/{PATIENT}"),
    ]


def _code(url: str, email: str) -> str:
    """A TOTP code of a step not used yet by ``email`` (a code works once), waiting for one if need be."""
    import pyotp

    with psycopg.connect(_sync_url(url)) as conn:
        last = conn.execute("SELECT totp_last_step FROM users WHERE email = %s", (email,)).fetchone()[0] or 0
    totp = pyotp.TOTP(TOTP_SECRET)
    while True:
        now = totp.timecode(datetime.now(timezone.utc))
        if last + 1 <= now + 1:
            return totp.generate_otp(max(now, last + 1))
        time.sleep(1)


def _sign_in(get, post, url: str, email: str, base: str = "") -> None:
    """Password then second factor, through ``get``/``post`` of a requests session or a test client."""
    def token(path: str) -> dict[str, str]:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', _text(get(base + path)))
        return {"csrf_token": match.group(1)} if match else {}

    response = post(base + "/login", data={"email": email, "password": PASSWORD, **token("/login")},
                    **_no_redirects(post))
    assert response.status_code == 302 and "/login/code" in response.headers["Location"], _text(response)[:300]
    response = post(base + "/login/code", data={"code": _code(url, email), **token("/login/code")},
                    **_no_redirects(post))
    assert response.status_code == 302, _text(response)[:300]


def _text(response) -> str:  # noqa: ANN001
    return response.text if hasattr(response, "text") else response.get_data(as_text=True)


def _no_redirects(post) -> dict[str, bool]:  # noqa: ANN001
    return {"allow_redirects": False} if hasattr(post, "__self__") and isinstance(post.__self__, requests.Session) \
        else {}


def _login(url: str, base: str, email: str) -> requests.Session:
    session = requests.Session()
    _sign_in(session.get, session.post, url, email, base)
    return session


def measure(built: dict[str, dict[str, object]], runs: int, workers: int) -> dict[str, dict[str, list[float]]]:
    """Milliseconds of each request of the table on each database, ``runs`` times after two warm-ups.

    Both databases are served at once and asked in turn (small, large, small, ...), one request at
    a time: on a shared machine, whatever else runs slows both alike and the ratio stays fair.
    """
    servers, clients = [], {}
    try:
        for name, b in built.items():
            env = {"DATABASE_URL": b["url"], "GALLERY_DATA_DIR": b["data_dir"],
                   "GALLERY_LOGIN_RATE_LIMIT": "1000 per minute", "GALLERY_PUBLIC_RATE_LIMIT": "100000 per minute"}
            server, base = gunicorn("app:create_app()", workers, env)
            servers.append(server)
            token = requests.Session()
            token.headers["Authorization"] = f"Bearer {b['token']}"
            clients[name] = (base, {"admin": _login(b["url"], base, ADMIN), "director": _login(b["url"], base, DIRECTOR),
                                    "anyone": requests.Session(), "token": token})
        times: dict[str, dict[str, list[float]]] = {name: {} for name in built}
        for label, who, path in requests_of_the_table():
            for n in range(runs + 2):
                for name, (base, sessions) in clients.items():
                    started = time.perf_counter()
                    response = sessions[who].get(base + path)
                    response.content
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200 and not response.history, (label, response.url,
                                                                                  response.text[:300])
                    if n >= 2:
                        times[name].setdefault(label, []).append(elapsed * 1000)
        return times
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def explain(url: str, data_dir: str, token: str) -> None:
    """Each request once in-process on ``url``: the statement the server spent longest on, with its plan."""
    from sqlalchemy import event

    from app import create_app

    app = create_app({"DATABASE_URL": url, "GALLERY_DATA_DIR": data_dir, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    engine = app.extensions["gallery_engine"]
    seen: list[tuple[float, str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append((time.perf_counter() - conn.info["started"], statement, parameters))

    clients = {"admin": app.test_client(), "director": app.test_client(), "anyone": app.test_client()}
    for who, email in (("admin", ADMIN), ("director", DIRECTOR)):
        _sign_in(clients[who].get, clients[who].post, url, email)
    for label, who, path in requests_of_the_table():
        client = clients["anyone" if who == "token" else who]
        headers = {"Authorization": f"Bearer {token}"} if who == "token" else {}
        client.get(path, headers=headers)
        seen.clear()
        assert client.get(path, headers=headers).status_code == 200, path
        selects = [s for s in seen if s[1].lstrip().upper().startswith("SELECT")]
        statements = len(seen)
        if not selects:
            continue
        # The statement PostgreSQL itself spends longest on (its own clock: less noisy than ours).
        worst = max(selects, key=lambda s: _server_ms(engine, s[1], s[2]))
        _, statement, parameters = worst
        print(f"\n{label}: {statements} statements; the longest on the server, "
              f"{_server_ms(engine, statement, parameters):.1f} ms:")
        _print_plan(engine, statement, parameters, 32)
    with app.test_request_context():  # the calibration's fit, which the pages above no longer run
        from gallery.photos.grades import graded_indexes

        seen.clear()
        started = time.perf_counter()
        graded = len(graded_indexes(1, "glabella")[0])
        print(f"\ngrade calibration's fit (run once a grade or analysis changes): {graded} graded photos, "
              f"{(time.perf_counter() - started) * 1000:.0f} ms; its statements:")
        for _, statement, parameters in list(seen):
            print(f"  {_server_ms(engine, statement, parameters):.1f} ms on the server:")
            _print_plan(engine, statement, parameters, 14)
    engine.dispose()


def _server_ms(engine, statement: str, parameters: object) -> float:  # noqa: ANN001
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
    return float((plan if isinstance(plan, list) else json.loads(plan))[0]["Execution Time"])


def _print_plan(engine, statement: str, parameters: object, lines: int) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        plan = [row[0] for row in conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, parameters)]
    print("    " + re.sub(r"(, %\(\w+\)s::INTEGER)+", ", ...", " ".join(statement.split()))[:300])
    for line in plan[:lines]:
        print("    | " + (line if len(line) < 160 else line[:157] + "..."))


def _upgrade(url: str, data_dir: str) -> None:
    from app import create_app

    app = create_app({"DATABASE_URL": url, "GALLERY_DATA_DIR": data_dir})
    app.extensions["gallery_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of the chain's size (0.01: a hundredth)")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--admin-url", default="postgresql+psycopg://gallery:gallery@127.0.0.1:5432/postgres")
    parser.add_argument("--prefix", default="gallery_chain")
    parser.add_argument("--reuse", action="store_true", help="measure the databases of an earlier --keep run")
    parser.add_argument("--keep", action="store_true", help="keep the databases and data directories")
    args = parser.parse_args()
    STATE.mkdir(exist_ok=True)
    built: dict[str, dict[str, object]] = {}
    for name, layout in (("small", Layout.one_clinic()), ("large", Layout.chain(args.scale))):
        database = f"{args.prefix}_{name}"
        state = STATE / f"{database}.json"
        if args.reuse and state.exists():
            built[name] = json.loads(state.read_text())
            print(f"{name}: reusing {database} ({built[name]['layout']})", flush=True)
            continue
        print(f"{name}: {layout.describe()}", flush=True)
        started = time.perf_counter()
        url = _recreate(args.admin_url, database)
        data_dir = tempfile.mkdtemp(prefix=f"{database}-")
        seeded = seed(url, data_dir)
        print(f"  {'real rows through the app':<44} {time.perf_counter() - started:7.1f} s", flush=True)
        multiply(url, layout, seeded, log=lambda line: print(line, flush=True))
        built[name] = {"url": url, "data_dir": data_dir, "token": seeded["token"], "layout": layout.describe(),
                       "seconds": round(time.perf_counter() - started)}
        state.write_text(json.dumps(built[name]))
        print(f"  {name} database ready in {built[name]['seconds']} s", flush=True)
    for name, b in built.items():  # to the newest migration before gunicorn starts (it would wait for it)
        started = time.perf_counter()
        _upgrade(b["url"], b["data_dir"])
        print(f"{name}: migrated to head in {time.perf_counter() - started:.1f} s", flush=True)
    times = measure(built, args.runs, args.workers)
    print(f"\ngunicorn ({args.workers} workers, gunicorn.conf.py), one request at a time, {args.runs} runs each,"
          " small and large in turn, ms")
    print(f"{'request':<34} {'small p50':>9} {'p95':>6} {'large p50':>9} {'p95':>6} {'p95 large/small':>15}  target")
    for label, _, _ in requests_of_the_table():
        small, large = times["small"][label], times["large"][label]
        ratio = _p(large, 0.95) / _p(small, 0.95)
        ok = _p(large, 0.95) <= 100 and ratio <= 3
        print(f"{label:<34} {_p(small, .5):9.1f} {_p(small, .95):6.1f} {_p(large, .5):9.1f} {_p(large, .95):6.1f} "
              f"{ratio:15.2f}  {'met' if ok else 'MISSED'}", flush=True)
    print("\nPlans on the large database (EXPLAIN ANALYZE of the statement each request spends longest on):")
    explain(built["large"]["url"], built["large"]["data_dir"], built["large"]["token"])
    if not args.keep:
        with psycopg.connect(_sync_url(args.admin_url), autocommit=True) as admin:
            for name in built:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.prefix}_{name}" WITH (FORCE)')
        for b in built.values():
            subprocess.run(["rm", "-rf", b["data_dir"]], check=False)
            (STATE / f"{Path(b['url']).name}.json").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
