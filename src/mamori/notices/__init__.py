"""Notices to individuals (本人への通知): e-mail and letters to the people a breach affected, each sent once."""
