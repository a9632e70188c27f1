"""Registration form: field parsers, administrative places and ethnic groups."""
