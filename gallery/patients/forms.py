"""Patient, visit and upload forms."""
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from gallery.capture.protocol import VIEW_LABELS
from gallery.models import EXPRESSIONS, VIEWS, utcnow
from gallery.photos.service import DATE_CHOICES

EXPRESSION_LABELS = {
    "rest": "At rest",
    "frown": "Maximum frown",
    "raise": "Maximum eyebrow raise",
    "smile": "Maximum smile",
}


def _not_in_the_future(form: FlaskForm, field: DateField) -> None:
    if field.data and field.data > utcnow().date():
        raise ValidationError("The date of birth is in the future.")


class PatientForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    date_of_birth = DateField("Date of birth", validators=[Optional(), _not_in_the_future])
    external_id = StringField("External id (EMR)", validators=[Optional(), Length(max=100)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = StringField("Email", validators=[Optional(), Length(max=254)])


class VisitForm(FlaskForm):
    visit_date = DateField("Date", validators=[DataRequired()])
    notes = TextAreaField("Treatment notes", validators=[Optional(), Length(max=5000)])


class UploadForm(FlaskForm):
    """The batch's expression and view apply to a file without its own ``expression-N`` /
    ``view-N`` field (N: the file's place in ``photos``), which the page's script adds."""

    photos = MultipleFileField("Photos")
    expression = SelectField("Expression", choices=[(e, EXPRESSION_LABELS[e]) for e in EXPRESSIONS])
    view = SelectField("View", choices=[(v, VIEW_LABELS[v]) for v in VIEWS], default="front")
    date_choice = RadioField("A photo's own date over 30 days from today",
                             choices=[("", "Ask me"), *DATE_CHOICES.items()], default="", validate_choice=False)
    visit_id = SelectField("Visit", choices=[], validate_choice=False)
