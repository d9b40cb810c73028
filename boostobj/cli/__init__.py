"""The ``boostobj`` command line (also ``python -m boostobj``).

    boostobj losses                      the table of every loss
    boostobj intervals DATA.csv ...      prediction intervals on your CSV, with a report
    boostobj fit DATA.csv ...            train with any loss, report a held-out split, save
    boostobj predict MODEL NEW.csv       predict new rows with a saved model
    boostobj compare                     the robust-loss study on noisy sinc data
    boostobj plot-losses [NAMES...]      loss, gradient and hessian curves
    boostobj demo                        prediction intervals on the shipped diamonds data

One module per command (``fit``, ``intervals``, ``predict``, ``demo``, ``compare``,
``plot_losses``, ``losses``), each with ``add_command`` (its parser) and ``run``; what they
share: ``arguments`` (options), ``errors`` (one-line errors), ``tables`` (reading and
writing CSV), ``saved_models``, ``progress`` and ``pictures``. Every failure prints one
line and exits with status 2 (``--traceback`` shows the whole story instead). The boosters
and matplotlib are imported by the commands that use them only.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
