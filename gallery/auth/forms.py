"""Sign-in, first-admin, invitation and password forms (Flask-WTF: CSRF token included)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from gallery.mail import ADDRESS_PATTERN

MIN_PASSWORD_LENGTH = 10
EMAIL = Regexp(ADDRESS_PATTERN, message="Enter a valid email address.")
NAME_REQUIRED = "Enter your full name: it is shown in the audit log and on signed reports."
ROLE_CHOICES = [("injector", "Injector"), ("medical_director", "Medical director"), ("admin", "Admin")]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class _NewPassword(FlaskForm):
    password = PasswordField(f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
                             validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", "The passwords differ.")])


class SetupForm(_NewPassword):
    clinic = StringField("Clinic name", validators=[DataRequired(), Length(max=200)])
    name = StringField("Your full name", validators=[DataRequired(NAME_REQUIRED), Length(max=200)])
    email = EmailField("Your email", validators=[DataRequired(), EMAIL, Length(max=254)])


class JoinForm(_NewPassword):
    name = StringField("Your full name", validators=[DataRequired(NAME_REQUIRED), Length(max=200)])


class ResetPasswordForm(_NewPassword):
    pass


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EMAIL, Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="injector")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EMAIL, Length(max=254)])
