"""Forms of the committee: reviews, recusals, questions, decisions, structures, grid and charter."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.committee.models import OPINION_LABELS, DecisionOutcome, Opinion
from marketplace.core.forms import FrenchIntegerField, choices

TEXT_MAX = 10_000


def _long_text(max_length: int = TEXT_MAX):
    return Length(max=max_length, message=_l("Ce texte est trop long (%(max)d caractères au plus)."))


class RecusalForm(FlaskForm):
    reason = TextAreaField(
        _l("Nature du conflit d'intérêts"),
        validators=[DataRequired(_l("Indiquez la nature du conflit d'intérêts.")), _long_text(2000)],
    )
    confirm_recusal = BooleanField(
        _l("Je confirme ne pas évaluer ce dossier ; ce choix est définitif et consigné."),
        validators=[DataRequired(_l("Cochez la case pour confirmer votre déport."))],
    )


class QuestionForm(FlaskForm):
    question = TextAreaField(
        _l("Question à la structure"),
        validators=[DataRequired(_l("Écrivez la question posée à la structure.")), _long_text()],
    )


SCORE_CHOICES = choices(
    [
        ("0", _l("0 – Non satisfait")),
        ("1", _l("1 – Partiellement satisfait")),
        ("2", _l("2 – Satisfait")),
        ("3", _l("3 – Exemplaire")),
    ]
)


class ReviewFormBase(FlaskForm):
    opinion = RadioField(
        _l("Avis"),
        choices=choices((o.value, OPINION_LABELS[o]) for o in Opinion),
        validators=[InputRequired(_l("Choisissez un avis : favorable, réservé ou défavorable."))],
    )
    comment = TextAreaField(
        _l("Commentaire général"),
        validators=[Optional(), _long_text()],
    )

    criteria: list = []

    def score_field(self, criterion):
        return self[f"score_{criterion.id}"]

    def note_field(self, criterion):
        return self[f"note_{criterion.id}"]

    def scores(self) -> dict[int, tuple[str | None, str | None]]:
        return {
            c.id: (self.score_field(c).data, self.note_field(c).data)
            for c in self.criteria
        }


def review_form(criteria, **kwargs) -> ReviewFormBase:
    """A review form with a 0–3 score and an optional comment for each active criterion."""

    class ReviewForm(ReviewFormBase):
        pass

    for criterion in criteria:
        setattr(
            ReviewForm,
            f"score_{criterion.id}",
            RadioField(
                criterion.label,
                choices=SCORE_CHOICES,
                validators=[InputRequired(_l("Notez ce critère de 0 à 3."))],
            ),
        )
        setattr(
            ReviewForm,
            f"note_{criterion.id}",
            TextAreaField(_l("Commentaire sur ce critère (facultatif)"), validators=[Optional(), _long_text(2000)]),
        )
    form = ReviewForm(**kwargs)
    form.criteria = list(criteria)
    return form


class DecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Décision"),
        choices=choices(
            [
                (DecisionOutcome.APPROVED.value, _l("Agréer la structure")),
                (DecisionOutcome.REJECTED.value, _l("Refuser la candidature")),
            ]
        ),
        validators=[InputRequired(_l("Choisissez la décision : agrément ou refus."))],
    )
    motivation = TextAreaField(
        _l("Motivation (transmise à la structure)"),
        validators=[DataRequired(_l("La motivation de la décision est obligatoire.")), _long_text()],
    )
    justification = TextAreaField(
        _l("Justification d'une décision contraire à la majorité des avis"),
        validators=[Optional(), _long_text()],
    )
    confirm_decision = BooleanField(
        _l("Je confirme cette décision ; elle sera notifiée à la structure."),
        validators=[DataRequired(_l("Cochez la case pour confirmer la décision."))],
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif de la suspension (transmis à la structure)"),
        validators=[DataRequired(_l("Le motif de la suspension est obligatoire.")), _long_text(2000)],
    )


class ReinstateForm(FlaskForm):
    note = TextAreaField(_l("Note (facultative, transmise à la structure)"), validators=[Optional(), _long_text(2000)])


class CriterionForm(FlaskForm):
    label = StringField(
        _l("Libellé"),
        validators=[DataRequired(_l("Le libellé du critère est obligatoire.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("Description (ce que la structure doit décrire, ce que le comité évalue)"),
        validators=[Optional(), _long_text(5000)],
    )
    weight = FrenchIntegerField(
        _l("Pondération (1 à 10)"),
        default=1,
        validators=[
            InputRequired(_l("Indiquez une pondération entre 1 et 10.")),
            NumberRange(min=1, max=10, message=_l("La pondération doit être un nombre entier entre 1 et 10.")),
        ],
    )
    position = FrenchIntegerField(
        _l("Position dans la grille"),
        default=0,
        validators=[
            InputRequired(_l("Indiquez la position du critère.")),
            NumberRange(min=0, max=10_000, message=_l("La position doit être comprise entre 0 et 10 000.")),
        ],
    )
    active = BooleanField(_l("Critère actif (proposé aux candidats et noté par le comité)"), default=True)


class CharterForm(FlaskForm):
    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Le titre de la charte est obligatoire.")), Length(max=200)],
    )
    body = TextAreaField(
        _l("Texte de la charte"),
        validators=[DataRequired(_l("Le texte de la charte est obligatoire.")), _long_text(50_000)],
    )
    confirm = BooleanField(
        _l("Je comprends que toutes les structures agréées devront signer cette nouvelle version."),
        validators=[DataRequired(_l("Cochez la case pour publier la nouvelle version."))],
    )
