from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..auth.users import ROLE_NAMES, password_problem
from ..forms import ChoiceField, Form, choices


class PasswordFields:
    def validate_password(self, field):
        problem = password_problem(field.data or "", *self.password_context())
        if problem:
            raise ValidationError(problem)


def username_field() -> StringField:
    return StringField(
        "Username",
        validators=[
            DataRequired("Enter a username"),
            Length(min=2, max=64, message="Use 2 to 64 characters"),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Use letters, digits, dots, dashes or underscores"),
        ],
    )


def display_name_field() -> StringField:
    return StringField(
        "Full name",
        validators=[DataRequired("Enter the person's name"), Length(max=100, message="Use at most 100 characters")],
    )


def role_field() -> ChoiceField:
    return ChoiceField("Role", required_message="Choose a role", choices=choices(*ROLE_NAMES.items()))


class CreateUserForm(PasswordFields, Form):
    username = username_field()
    display_name = display_name_field()
    role = role_field()
    password = PasswordField("Password", validators=[DataRequired("Enter a password")])
    confirm = PasswordField("Password again", validators=[EqualTo("password", "The two passwords do not match")])

    def password_context(self):
        return self.username.data or "", self.display_name.data or ""


class EditUserForm(Form):
    """Rename and change role in one form: each change is audited on its own."""

    username = username_field()
    display_name = display_name_field()
    role = role_field()


class ResetPasswordForm(PasswordFields, Form):
    password = PasswordField("New password", validators=[DataRequired("Enter a password")])
    confirm = PasswordField("New password again", validators=[EqualTo("password", "The two passwords do not match")])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def password_context(self):
        return (self.user.username, self.user.display_name) if self.user else ()
