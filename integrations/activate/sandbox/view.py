"""The read-only page at `/`: what a marketer would see in Activate, on one page."""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = "body{font:14px system-ui;margin:2em}table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"


def _table(caption: str, headings: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{escape(_text(v))}</td>" for v in row) + "</tr>" for row in rows)
    empty = "" if rows else f'<tr><td colspan="{len(headings)}">none yet</td></tr>'
    return f"<h2>{escape(caption)} ({len(rows)})</h2><table><tr>{head}</tr>{body}{empty}</table>"


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def page(snapshot: dict[str, Any], switches: dict[str, Any]) -> str:
    profiles = [
        [
            p["email"],
            p.get("firstname"),
            p.get("lastname"),
            p.get("country"),
            p.get("newsletter"),
            p["custom"],
            p["events"],
        ]
        for p in snapshot["profiles"]
    ]
    purchases = [
        [
            p["orderid"],
            p["email"],
            p["at"],
            p["timestamp_read_as"],
            p["currency"],
            p["revenue"],
            p["times_received"],
            p["custom"],
        ]
        for p in snapshot["purchases"]
    ]
    products = [
        [p.get("id"), p.get("language"), p.get("title"), p.get("price"), p.get("parent_id")]
        for p in snapshot["products"]
    ]
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Activate stand-in</title>"
        f"<style>{STYLE}</style></head><body><h1>Spotler Activate stand-in</h1>"
        f"<p>Account {escape(str(switches['account_id']))}; repeated orderid: {escape(switches['repeated_orderid'])};"
        f" revenue {snapshot['revenue']}; {snapshot['event_count']} events. JSON: <a href=/_sim/state>/_sim/state</a></p>"
        + _table(
            "Profiles", ["email", "first name", "last name", "country", "newsletter", "custom", "events"], profiles
        )
        + _table(
            "Purchases",
            ["orderid", "email", "at (UTC)", "timestamp", "currency", "revenue", "received", "custom"],
            purchases,
        )
        + _table("Catalogue", ["id", "language", "title", "price", "parent"], products)
        + "</body></html>"
    )
