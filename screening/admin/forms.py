from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..auth.users import ROLE_NAMES, password_problem
from ..patient.forms import ChoiceField, choices


class PasswordFields:
    def validate_password(self, field):
        problem = password_problem(field.data or "", *self.password_context())
        if problem:
            raise ValidationError(problem)


class CreateUserForm(PasswordFields, FlaskForm):
    username = StringField("Username", validators=[
        DataRequired("Enter a username"), Length(min=2, max=64, message="Use 2 to 64 characters"),
        Regexp(r"^[A-Za-z0-9._-]+$", message="Use letters, digits, dots, dashes or underscores"),
    ])
    display_name = StringField("Full name", validators=[DataRequired("Enter the person's name"), Length(max=100)])
    role = ChoiceField("Role", required_message="Choose a role", choices=choices(*ROLE_NAMES.items()))
    password = PasswordField("Password", validators=[DataRequired("Enter a password")])
    confirm = PasswordField("Password again", validators=[EqualTo("password", "The two passwords do not match")])

    def password_context(self):
        return self.username.data or "", self.display_name.data or ""


class ResetPasswordForm(PasswordFields, FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a password")])
    confirm = PasswordField("New password again", validators=[EqualTo("password", "The two passwords do not match")])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def password_context(self):
        return (self.user.username, self.user.display_name) if self.user else ()


