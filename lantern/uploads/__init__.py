"""A tus 1.0.0 resumable-upload server (creation, creation-with-upload, expiration,
checksum and termination), written for large CCTV files from people without accounts.

Public API:

- URLs: `uploads:collection` (OPTIONS, POST) and `uploads:upload` (HEAD, PATCH, DELETE).
- Signal `signals.upload_completed(sender=Upload, upload=...)`: the file is complete,
  read-only, and `upload.sha256` is set. `Upload.open()` reads it.
- Hooks (settings, dotted paths): `LANTERN_UPLOAD_PRINCIPAL` and
  `LANTERN_UPLOAD_CREATE_POLICY`, see principals.py; `principals.grant_session_principal()`
  lets a link view make a browser session a principal.
- Services: `upload_create`, `upload_append`, `upload_terminate`, `upload_expire_all`,
  `upload_remove_orphans`, `upload_announce`.
- Commands: `uploads_expire` (run regularly), `uploads_announce` (recovery).
- Settings: LANTERN_UPLOAD_DIR, LANTERN_UPLOAD_MAX_BYTES, LANTERN_UPLOAD_EXPIRY_HOURS,
  LANTERN_UPLOAD_LOCK_SECONDS (see conf.py).
"""
