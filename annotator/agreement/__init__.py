"""The agreement engine, pure numbers: coefficients (alpha, kappa), span matching (F1),
alpha_U and the u-alpha family, gamma (alignment and Monte-Carlo estimate), and the report.

May import: `core`; never flask, sqlite3 or sqlite_utils. Tested against published values and
independent libraries (krippendorff, scikit-learn, statsmodels, pygamma-agreement).
"""
