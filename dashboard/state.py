"""Session-state keys and query-string parameter names, in one place."""

LANG = "ui_lang"

# Query-string parameters of the flagged-posts page (a shared link reproduces the view).
Q_CLAIM = "claim"
Q_STANCE = "stance"
Q_PLATFORM = "platform"
Q_LANG = "lang"
Q_SOURCE = "source"
Q_SINCE = "since"
Q_UNTIL = "until"
Q_MIN_SCORE = "min_score"
Q_SEARCH = "q"

REVIEWER = "reviewer_name"
CURRENT_USER = "tillit_current_user"
