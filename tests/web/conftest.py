"""Fixtures of the web tests that need the real servers of tests/servers.py."""
from __future__ import annotations

import uuid

import boto3
import pytest


@pytest.fixture
def s3_app(make_app, s3_server, monkeypatch):
    for key, value in (("AWS_ENDPOINT_URL", s3_server), ("AWS_ACCESS_KEY_ID", "test"),
                       ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    app = make_app(GALLERY_STORE_URL=f"s3://{bucket}/clinic-a")
    return app, bucket
