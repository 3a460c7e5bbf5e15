"""GreenLang monitoring SDK."""
