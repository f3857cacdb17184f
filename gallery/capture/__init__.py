"""Guided capture: photos taken in the app, checked live, in the clinic's standard views."""
