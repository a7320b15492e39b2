"""Form, serializer and admin fields that store text through the one rule, ``clean_text``.

Each cleans in ``to_python`` / ``to_internal_value``, before the field's validators run, so a length
limit is judged on the text as it will be stored (NFC, no control or bidi-override characters), not as
it was typed: a name that fits once composed is accepted, and one that only fits decomposed is not.
"""

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.db import models
from rest_framework import serializers

from backend.text import clean_text


class CleanCharField(forms.CharField):
    """A form's text field: one line, or several with ``multiline`` (a guide, a note)."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_text(value, multiline=self.multiline)


class CleanSerializerCharField(serializers.CharField):
    """An API's text field, cleaned like every other door's."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = clean_text(super().to_internal_value(data), multiline=self.multiline)
        if not value and not self.allow_blank:
            self.fail("blank")  # nothing but invisible characters
        return value


class _CleanTextAreaField(CleanCharField):
    def __init__(self, **kwargs):
        super().__init__(multiline=True, **kwargs)


# ``formfield_overrides`` for a ModelAdmin whose model keeps people's text. SlugField keeps its own
# form field (its pattern already refuses anything unusual).
ADMIN_TEXT_OVERRIDES = {
    models.CharField: {"form_class": CleanCharField, "widget": admin_widgets.AdminTextInputWidget},
    models.TextField: {"form_class": _CleanTextAreaField, "widget": admin_widgets.AdminTextareaWidget},
    models.SlugField: {},
}
