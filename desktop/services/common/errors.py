"""Errors a user can act on: the message is Chinese and names the field and the fix."""


class UserError(Exception):
    """Something the user can fix; ``str(err)`` is shown as is."""


class ValidationError(UserError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}：{message}")


class ValidationErrors(UserError):
    """Several field errors found at once (a form is checked as a whole)."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    @property
    def fields(self) -> list[str]:
        return [e.field for e in self.errors]
