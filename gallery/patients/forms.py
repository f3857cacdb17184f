"""Patient, visit and upload forms."""
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gallery.models import EXPRESSIONS

EXPRESSION_LABELS = {
    "rest": "At rest",
    "frown": "Maximum frown",
    "raise": "Maximum eyebrow raise",
    "smile": "Maximum smile",
}


class PatientForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    date_of_birth = DateField("Date of birth", validators=[Optional()])
    external_id = StringField("External id (EMR)", validators=[Optional(), Length(max=100)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = StringField("Email", validators=[Optional(), Length(max=254)])


class VisitForm(FlaskForm):
    visit_date = DateField("Date", validators=[DataRequired()])
    notes = TextAreaField("Treatment notes", validators=[Optional(), Length(max=5000)])


class UploadForm(FlaskForm):
    photos = MultipleFileField("Photos")
    expression = SelectField("Expression", choices=[(e, EXPRESSION_LABELS[e]) for e in EXPRESSIONS])
    visit_id = SelectField("Visit", choices=[], validate_choice=False)
