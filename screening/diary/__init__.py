"""After the block: recording blocks, the patient's pain diary, its result and the two-block decision.

Two blueprints: `diary_staff` under /staff (signed-in staff, by role) and `diary` under /diary (the patient,
no sign-in: the diary code opens that one diary and nothing else).
"""

from flask import Blueprint, Flask

staff_bp = Blueprint("diary_staff", __name__, url_prefix="/staff")
patient_bp = Blueprint("diary", __name__, url_prefix="/diary")


def init_app(app: Flask) -> None:
    """Check the settings at start-up, open the patient's blueprint to the public, and give the staff request
    and intake pages their diary section (a template global, so those pages' views need no change)."""
    from ..auth import PUBLIC_BLUEPRINTS
    from . import routes, vocab

    vocab.medicine_hours(app.config)
    vocab.schedule(app.config)
    PUBLIC_BLUEPRINTS.add(patient_bp.name)
    app.add_template_global(routes.diary_section, "diary_section")
    app.register_blueprint(staff_bp)
    app.register_blueprint(patient_bp)
