"""factory-boy factories for whatever ``AUTH_USER_MODEL`` the settings name."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with ``DEFAULT_PASSWORD``; works for models keyed on username or on email."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    is_active = True

    @factory.lazy_attribute
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
