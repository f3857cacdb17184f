"""Fixtures of the web tests that need the real servers of tests/servers.py."""
from __future__ import annotations

import email
import email.policy
import mailbox
import uuid
from email.message import EmailMessage

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


class Outbox:
    """What the test's SMTP server received, as parsed messages (oldest first)."""

    def __init__(self, folder):
        self.box = mailbox.Maildir(folder)
        self.box.clear()  # the server lives for the session: each test starts with an empty box

    def messages(self) -> list[EmailMessage]:
        keys = sorted(self.box.keys(), key=lambda key: self.box.get_message(key).get_date())  # delivery time
        return [email.message_from_bytes(self.box.get_bytes(key), policy=email.policy.default) for key in keys]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope recipient is ``address`` (aiosmtpd's X-RcptTo)."""
        return [m for m in self.messages() if address in m["X-RcptTo"].split(", ")]


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app that sends email through the test's SMTP server, and that server's outbox."""
    port, folder = smtp_server
    app = make_app(GALLERY_SMTP_HOST="127.0.0.1", GALLERY_SMTP_PORT=port, GALLERY_SMTP_STARTTLS=False,
                   GALLERY_MAIL_FROM="staff@clinic-a.test")
    return app, Outbox(folder)
