"""People, their organisations and roles, sessions, sign-in and e-mail links."""
