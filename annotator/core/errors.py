"""The one error type that carries an HTTP status; web renders it in one place."""


class AppError(Exception):
    """A refused operation: `status` is what a web caller answers (400, 403, 404, 409, ...)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class NeedsConfirmation(AppError):
    """A request the user must confirm before it is carried out (409); the page asks and
    sends it again with `confirmed=1`."""

    def __init__(self, message: str):
        super().__init__(message, 409)
