"""factory-boy factories for whatever ``AUTH_USER_MODEL`` the settings name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import factory
from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL

DEFAULT_PASSWORD = "correct horse battery staple"


class _UserFactory(factory.django.DjangoModelFactory[Any]):
    """A user with ``DEFAULT_PASSWORD``; works for models keyed on username or on email."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")  # type: ignore[attr-defined,no-untyped-call]
    is_active = True

    @factory.lazy_attribute  # type: ignore[attr-defined,untyped-decorator]
    def username(self) -> Any:  # ignored by models without a username field
        return self.email

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        field_names = {f.name for f in model_class._meta.get_fields()}
        kwargs = {k: v for k, v in kwargs.items() if k in field_names or k == "password"}
        password = kwargs.pop("password", DEFAULT_PASSWORD)
        user = model_class(**kwargs)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        return user


def UserFactory(**kwargs: Any) -> _User:
    """Create a user (typed wrapper: factory-boy's metaclass call is untyped).

    ``password=None`` gives an unusable password; fields the user model lacks are dropped.
    """
    user: _User = _UserFactory(**kwargs)  # type: ignore[assignment,no-untyped-call]
    return user
