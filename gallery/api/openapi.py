"""The OpenAPI 3.1 document of /api/v1 (a test fails when a route is missing here)."""
from __future__ import annotations

from typing import Any

from gallery.models import SCOPES

_ERROR = {"$ref": "#/components/responses/Error"}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, "4XX": _ERROR}, **extra}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def openapi_document() -> dict[str, Any]:
    json_ok = {"content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Injector photo gallery API", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}}}}}}}}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": _op("This document", {"200": {"description": "OpenAPI"}}, security=[])},
            "/api/v1/patients": {
                "get": _op("List the clinic's patients", {"200": {"description": "Patients", **json_ok}}),
                "post": _op("Create a patient", {"201": {"description": "Created", **json_ok}}, requestBody={
                    "required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["name"], "properties": {
                            "name": {"type": "string"}, "date_of_birth": {"type": "string", "format": "date"},
                            "external_id": {"type": "string"}}}}}}),
            },
            "/api/v1/patients/{patient_id}": {
                "get": _op("A patient with visits and photo_ids", {"200": {"description": "Patient", **json_ok}},
                           parameters=[_id("patient_id")]),
            },
            "/api/v1/patients/{patient_id}/photos": {
                "post": _op("Upload a photo (the same bytes again: 200 with the existing photo)",
                            {"201": {"description": "Stored", **json_ok}, "200": {"description": "Duplicate", **json_ok}},
                            parameters=[_id("patient_id")], requestBody={"required": True, "content": {
                                "multipart/form-data": {"schema": {"type": "object", "required": ["file", "expression"],
                                    "properties": {"file": {"type": "string", "format": "binary"},
                                                   "expression": {"enum": ["rest", "frown", "raise", "smile"]},
                                                   "taken_at": {"type": "string", "format": "date-time"},
                                                   "visit_id": {"type": "integer"}}}}}}),
            },
            "/api/v1/photos/{photo_id}": {
                "get": _op("A photo with its analysis (coordinates in display pixels)",
                           {"200": {"description": "Photo", **json_ok}}, parameters=[_id("photo_id")]),
            },
            "/api/v1/comparisons": {
                "post": _op("Align two photos of one patient and measure the change",
                            {"201": {"description": "Comparison", **json_ok}}, requestBody={
                                "required": True, "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["before", "after"], "properties": {
                                        "before": {"type": "integer"}, "after": {"type": "integer"},
                                        "crop": {"enum": ["upper", "face"], "default": "upper"},
                                        "match_exposure": {"type": "boolean", "default": False}}}}}}),
            },
            "/api/v1/comparisons/{comparison_id}": {
                "get": _op("The comparison as created", {"200": {"description": "Comparison", **json_ok}},
                           parameters=[_id("comparison_id")]),
            },
            "/api/v1/comparisons/{comparison_id}/image": {
                "get": _op("The aligned image (PNG)", {"200": {"description": "PNG", "content": {"image/png": {}}}},
                           parameters=[_id("comparison_id"), {"name": "layout", "in": "query", "schema": {
                               "enum": ["side", "before", "after"], "default": "side"}}]),
            },
            "/api/v1/consent-texts": {
                "get": _op("The published consent texts", {"200": {"description": "Texts", "content": {
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}),
            },
            "/api/v1/patients/{patient_id}/consents": {
                "get": _op("Effective scopes and the full history", {"200": {"description": "Consents", **json_ok}},
                           parameters=[_id("patient_id")]),
                "post": _op("Record a grant", {"201": {"description": "Recorded", **json_ok}},
                            parameters=[_id("patient_id")], requestBody={"required": True, "content": {
                                "application/json": {"schema": {"type": "object",
                                    "required": ["scopes", "signed_name", "text_version"], "properties": {
                                        "scopes": {"type": "array", "items": {"enum": list(SCOPES)}},
                                        "marketing_identifiable": {"type": "boolean"},
                                        "signed_name": {"type": "string"}, "text_version": {"type": "string"},
                                        "signature": {"type": "string", "description": "PNG data URL"}}}}}}),
            },
            "/api/v1/patients/{patient_id}/consents/withdraw": {
                "post": _op("Record a withdrawal (effective on the next request)",
                            {"201": {"description": "Recorded", **json_ok}}, parameters=[_id("patient_id")],
                            requestBody={"required": True, "content": {"application/json": {"schema": {
                                "type": "object", "required": ["scopes"], "properties": {
                                    "scopes": {"type": "array", "items": {"enum": list(SCOPES)}}}}}}}),
            },
            "/api/v1/comparisons/{comparison_id}/publish": {
                "post": _op("Publish in the public gallery (409 without marketing consent)",
                            {"200": {"description": "Published", **json_ok}}, parameters=[_id("comparison_id")]),
            },
            "/api/v1/comparisons/{comparison_id}/share-links": {
                "post": _op("A share link for the patient (409 without portal consent)",
                            {"201": {"description": "Link", **json_ok}}, parameters=[_id("comparison_id")],
                            requestBody={"content": {"application/json": {"schema": {"type": "object", "properties": {
                                "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 90}}}}}}),
            },
            "/api/v1/photos/{photo_id}/plan": {
                "get": _op("The injection plan on this photo: saved, carried over from the last visit, or the "
                           "label template placed from its landmarks", {"200": {"description": "Plan", **json_ok}},
                           parameters=[_id("photo_id")]),
                "put": _op("Save sites, product, lot and dilution; sites inside a safety margin give warnings",
                           {"200": {"description": "Plan", **json_ok}}, parameters=[_id("photo_id")],
                           requestBody={"required": True, "content": {"application/json": {"schema": {
                               "type": "object", "required": ["sites"], "properties": {
                                   "sites": {"type": "array", "items": {"type": "object",
                                       "required": ["region", "x", "y", "units"], "properties": {
                                           "id": {"type": "string"}, "region": {"enum": [
                                               "glabella", "forehead", "crows_feet_left", "crows_feet_right"]},
                                           "x": {"type": "number"}, "y": {"type": "number"},
                                           "units": {"type": "number"}, "note": {"type": "string"}}}},
                                   "product": {"type": "string"}, "lot": {"type": "string"},
                                   "dilution": {"type": "string"}}}}}}),
            },
            "/api/v1/photos/{photo_id}/image": {
                "get": _op("The display image or thumbnail (JPEG)", {"200": {"description": "JPEG", "content": {
                    "image/jpeg": {}}}}, parameters=[_id("photo_id"), {
                        "name": "variant", "in": "query", "schema": {"enum": ["display", "thumb"], "default": "display"}}]),
            },
        },
    }
