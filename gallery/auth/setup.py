"""First start: a one-time setup link creates the first clinic and admin.

No default password ships with the app. While no staff account exists, each
start of a server issues a fresh random link and prints its path on the
operator's console; the link stops working as soon as any account exists.
"""
from __future__ import annotations

import secrets

import click
from flask import Flask
from sqlalchemy import func, select

from gallery.auth import token_sha256
from gallery.models import SetupToken, User


def issue_setup_link(app: Flask) -> str | None:
    """Create and print a setup link if the install has no users; return the token."""
    with app.extensions["gallery_sessionmaker"]() as db:
        if db.scalar(select(func.count()).select_from(User)):
            return None
        token = secrets.token_urlsafe(24)
        db.add(SetupToken(token_sha256=token_sha256(token)))
        db.commit()
    if not app.testing:
        # Only the path: the address the server answers at (host, port, proxy, https) is not known here.
        click.echo(
            "\n  No staff account yet. Create the first admin: open this path at this server's address\n"
            f"    /setup/{token}\n"
            "  (one-time link; or run: flask --app app create-user EMAIL --role admin --clinic NAME --name NAME)\n",
            err=True)
    return token
