"""French texts of the vetting demo: self-assessments, review comments, motivations.

A structure's answer to each criterion of the grid is written from what is
known of it (legal form, sectors, staff, territory), so that an SCOP speaks of
its associated employees and an insertion workshop of its paths back to work.
Every choice is drawn from the generator it is given: the same text on every run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from marketplace.core.territories import Departement, departement
from marketplace.vendors.models import LegalForm, Sector, Vendor

IN_DEPARTEMENT = {
    "01": "dans l'Ain",
    "03": "dans l'Allier",
    "07": "en Ardèche",
    "15": "dans le Cantal",
    "26": "dans la Drôme",
    "38": "en Isère",
    "42": "dans la Loire",
    "43": "en Haute-Loire",
    "63": "dans le Puy-de-Dôme",
    "69": "dans le Rhône",
    "73": "en Savoie",
    "74": "en Haute-Savoie",
}

SIAE_WORKSHOPS = {LegalForm.SIAE_EI, LegalForm.SIAE_ACI}
ASSOCIATIVE = {LegalForm.ASSOCIATION, LegalForm.SIAE_ACI, LegalForm.SIAE_AI, LegalForm.ESAT}
COOPERATIVE = {LegalForm.SCOP, LegalForm.SCIC, LegalForm.COOPERATIVE, LegalForm.CAE}
FOOD = {Sector.ALIMENTATION, Sector.AGRICULTURE_BIO_LOCALE, Sector.COMMERCE_EQUITABLE}


@dataclass(frozen=True)
class Facts:
    """What the texts say about a structure."""

    name: str
    legal_form: LegalForm
    sectors: tuple[Sector, ...]
    staff: int
    insertion: int
    year_founded: int
    commune: str
    departement: Departement | None
    partner: str | None
    year: int
    description: str = ""

    @classmethod
    def of(cls, vendor: Vendor, sectors: list[Sector], partner: str | None, year: int) -> Facts:
        """``sectors`` in the structure's own order, the main one first."""
        return cls(
            name=vendor.name,
            legal_form=vendor.legal_form or LegalForm.OTHER,
            sectors=tuple(sectors) or (Sector.SERVICES_ENTREPRISES,),
            staff=vendor.staff_count or 1,
            insertion=vendor.insertion_jobs or 0,
            year_founded=vendor.year_founded or year,
            commune=vendor.commune or "",
            departement=departement(vendor.departement_code),
            partner=partner,
            year=year,
            description=" ".join((vendor.description or "").split()),
        )

    @property
    def sector(self) -> Sector:
        return self.sectors[0]

    @property
    def in_departement(self) -> str:
        code = self.departement.code if self.departement else ""
        return IN_DEPARTEMENT.get(code, "dans notre département")

    @property
    def all_associates(self) -> bool:
        """The structure says every employee is an associate."""
        return "tous associés" in self.description

    @property
    def pay_ratio(self) -> int | None:
        """The pay ratio the structure states in its presentation, if any."""
        match = re.search(r"de un à (deux|trois|quatre|cinq)\b", self.description)
        return ("deux", "trois", "quatre", "cinq").index(match[1]) + 2 if match else None

    @property
    def permanent_staff(self) -> int:
        """Staff who are not themselves on an insertion path (for insertion workshops)."""
        if self.legal_form in SIAE_WORKSHOPS and self.insertion < self.staff:
            return self.staff - self.insertion
        return self.staff


def _number(value: float) -> str:
    """``1.5`` → ``"1,5"``, ``2.0`` → ``"2"``."""
    return f"{value:g}".replace(".", ",")


# ---------------------------------------------------------------- utilité sociale

UTILITY = {
    Sector.ALIMENTATION: "Nous rendons accessible une alimentation de qualité, produite près d'ici, à des prix qui rémunèrent correctement celles et ceux qui la produisent.",
    Sector.COMMERCE_EQUITABLE: "Nous garantissons aux producteurs avec lesquels nous travaillons un prix juste et stable, fixé avec eux et non imposé par les cours mondiaux.",
    Sector.AGRICULTURE_BIO_LOCALE: "Nous faisons vivre une agriculture biologique et paysanne, à taille humaine, en lui ouvrant des débouchés locaux et réguliers.",
    Sector.INSERTION: "Notre raison d'être est de proposer un emploi et un accompagnement à des personnes qui en sont durablement éloignées : chômeurs de longue durée, jeunes sans qualification, allocataires des minima sociaux.",
    Sector.ECO_PRODUITS: "Nous fabriquons et diffusons des objets durables, réparables et sobres en matières, comme alternative aux produits jetables.",
    Sector.REEMPLOI: "Nous donnons une seconde vie à des objets et à des matériaux qui seraient sinon jetés, et les remettons en circulation à des prix accessibles à tous.",
    Sector.ENERGIE: "Nous permettons aux habitants et aux collectivités de reprendre la main sur leur énergie, avec des installations renouvelables financées et gouvernées localement.",
    Sector.ECO_CONSTRUCTION: "Nous rendons l'habitat plus sain et plus économe en énergie grâce à des matériaux biosourcés et locaux, y compris chez des ménages modestes accompagnés par les dispositifs publics de rénovation.",
    Sector.MOBILITE_DOUCE: "Nous facilitons les déplacements sans voiture individuelle, moins coûteux et moins polluants, en particulier pour celles et ceux qui n'ont pas d'autre solution.",
    Sector.VOYAGE_SOLIDAIRE: "Nous proposons un tourisme de rencontre qui profite d'abord aux communautés qui accueillent les voyageurs et respecte leur mode de vie.",
    Sector.SERVICES_ENTREPRISES: "Nous apportons aux entreprises, aux associations et aux collectivités du territoire des services professionnels de qualité, tout en créant des emplois durables et utiles.",
    Sector.CULTURE: "Nous rendons la création et les pratiques culturelles accessibles au plus grand nombre, y compris dans les quartiers et les villages qui en sont éloignés.",
}


def utilite_sociale(f: Facts, rng: random.Random) -> str:
    pct = rng.randint(45, 68)
    form = f.legal_form
    if form in SIAE_WORKSHOPS:
        detail = (
            f"L'an dernier, {f.insertion} personnes en parcours d'insertion ont travaillé avec nous, "
            f"et {pct} % d'entre elles sont sorties vers un emploi durable ou une formation qualifiante."
        )
    elif form is LegalForm.SIAE_ETTI:
        detail = (
            f"L'an dernier, nous avons proposé des missions à {f.insertion} personnes en parcours d'insertion, "
            f"dans des entreprises et des collectivités du territoire ; {pct} % ont ensuite trouvé un emploi "
            "durable ou une formation."
        )
    elif form is LegalForm.SIAE_AI:
        detail = (
            f"L'an dernier, {f.insertion} personnes ont été mises à disposition de particuliers, d'associations "
            "et de collectivités, avec un accompagnement individuel vers un emploi durable."
        )
    elif form is LegalForm.EA:
        detail = (
            f"{f.insertion} de nos {f.staff} salariés sont reconnus travailleurs handicapés : l'entreprise "
            "leur offre un emploi stable et qualifié en milieu ordinaire."
        )
    elif form is LegalForm.ESAT:
        detail = (
            f"L'établissement accompagne {f.insertion} travailleurs en situation de handicap, qui trouvent "
            "dans nos ateliers un travail adapté, reconnu et rémunéré."
        )
    elif form is LegalForm.MUTUELLE:
        detail = "Nos garanties sont ouvertes à tous, sans questionnaire médical, et les cotisations sont solidaires entre les générations."
    elif form is LegalForm.CAE:
        detail = (
            f"La coopérative permet à {f.staff} entrepreneurs-salariés de développer leur propre activité "
            "avec la sécurité du salariat."
        )
    else:
        detail = (
            f"Cette mission, inscrite dans nos statuts depuis notre création en {f.year_founded}, "
            "guide chacun de nos choix d'activité."
        )
    return f"{UTILITY[f.sector]} {detail}"


# ---------------------------------------------------------------- gouvernance

SCIC_COLLEGES = {
    Sector.ALIMENTATION: "producteurs, mangeurs",
    Sector.AGRICULTURE_BIO_LOCALE: "producteurs, mangeurs",
    Sector.ENERGIE: "citoyens souscripteurs",
    Sector.CULTURE: "artistes, habitants",
    Sector.ECO_PRODUITS: "éleveurs, clients",
}


def gouvernance(f: Facts, rng: random.Random) -> str:
    form = f.legal_form
    if form is LegalForm.SCOP:
        if f.all_associates:
            associates = f"Nos {f.staff} salariés sont tous associés ; chaque nouveau salarié peut le devenir"
        else:
            associates = (
                f"{max(1, f.staff - rng.randint(1, 2))} de nos {f.staff} salariés sont associés, et chacun "
                "peut le devenir"
            )
        return (
            "Les salariés détiennent la majorité du capital et des droits de vote ; chaque associé dispose "
            "d'une voix, quel que soit le nombre de parts qu'il détient. "
            f"{associates} après un an d'ancienneté. La gérance est élue par l'assemblée générale."
        )
    if form is LegalForm.SCIC:
        colleges = SCIC_COLLEGES.get(f.sector, "usagers")
        return (
            f"La SCIC réunit plusieurs catégories d'associés organisées en collèges : salariés, {colleges}, "
            "partenaires et collectivités locales. Chaque collège pèse dans les décisions selon les droits de "
            "vote fixés par les statuts, et aucun ne peut décider seul. "
            f"L'assemblée générale annuelle réunit en moyenne {rng.randint(45, 70)} % des associés."
        )
    if form is LegalForm.COOPERATIVE:
        return (
            "Chaque associé coopérateur dispose d'une voix à l'assemblée générale, quel que soit son apport "
            "ou son volume d'activité. Le conseil d'administration, élu parmi les associés, se réunit chaque "
            "mois et rend compte de ses décisions à tous."
        )
    if form is LegalForm.CAE:
        return (
            "Les entrepreneurs-salariés peuvent devenir associés après trois ans d'activité ; ils détiennent "
            "alors la majorité des voix à l'assemblée générale. Les services mutualisés et la contribution "
            "de chacun sont décidés collectivement."
        )
    if form is LegalForm.MUTUELLE:
        return (
            "Les adhérents élisent leurs délégués, qui élisent à leur tour le conseil d'administration : la "
            "mutuelle appartient à celles et ceux qu'elle protège. Les orientations et les cotisations sont "
            "votées chaque année en assemblée générale."
        )
    if form is LegalForm.ESAT:
        return (
            "L'établissement est géré par une association de familles et d'amis de personnes handicapées, "
            "administrée par un conseil élu. Le conseil de la vie sociale donne la parole aux travailleurs, "
            "qui y élisent leurs représentants."
        )
    if form is LegalForm.EA:
        return (
            "La direction associe les représentants du personnel aux décisions d'organisation : le CSE et un "
            "comité d'éthique interne se réunissent chaque trimestre. Un travailleur reconnu handicapé siège "
            "au comité de direction élargi."
        )
    if form in {LegalForm.SIAE_EI, LegalForm.SIAE_ETTI}:
        return (
            "L'entreprise est détenue majoritairement par une association d'insertion, qui veille au respect "
            "de son projet social. Un comité de suivi réunissant salariés permanents, salariés en parcours et "
            "partenaires (France Travail, Département) se réunit chaque trimestre."
        )
    if form is LegalForm.ESUS:
        return (
            "Nos statuts prévoient un comité de mission où siègent des salariés et des partenaires "
            "associatifs, consulté sur toutes les décisions importantes. Les orientations sont présentées "
            "chaque année à toute l'équipe, qui peut faire inscrire des points à l'ordre du jour."
        )
    text = (
        "L'association est administrée par un conseil d'administration élu par l'assemblée générale, selon "
        "le principe une personne, une voix. Salariés et bénévoles sont représentés au conseil, qui se "
        f"réunit tous les {rng.choice(('mois', 'deux mois'))}."
    )
    if form in {LegalForm.SIAE_ACI, LegalForm.SIAE_AI}:
        return (
            text
            + " Les salariés en parcours sont consultés chaque trimestre sur l'organisation du travail."
        )
    return (
        text
        + " Le rapport d'activité et les comptes sont présentés chaque année à tous les adhérents."
    )


# ---------------------------------------------------------------- lucrativité limitée


def lucrativite_limitee(f: Facts, rng: random.Random) -> str:
    form = f.legal_form
    ratio = _number(f.pay_ratio or rng.choice((1.5, 1.8, 2, 2.2, 2.5, 3)))
    if form is LegalForm.SCOP:
        text = (
            "Conformément au statut de SCOP, une part des résultats est mise chaque année en réserves "
            "impartageables et une autre revient à tous les salariés sous forme de participation ; la "
            "rémunération du capital reste minoritaire."
        )
    elif form is LegalForm.SCIC:
        text = (
            "Au moins 57,5 % des excédents sont affectés à des réserves impartageables, comme l'impose le "
            "statut de SCIC ; en pratique, nous les mettons en totalité en réserve depuis la création."
        )
    elif form is LegalForm.COOPERATIVE:
        text = (
            "Les excédents sont mis en réserve ou redistribués aux associés sous forme de ristournes "
            "proportionnelles à leur activité, jamais au capital. Les parts sociales sont remboursées à "
            "leur valeur nominale."
        )
    elif form is LegalForm.CAE:
        text = (
            "La contribution des entrepreneurs finance les services mutualisés ; les excédents éventuels "
            "sont intégralement mis en réserve."
        )
    elif form is LegalForm.MUTUELLE:
        text = (
            "Sans actionnaires, la mutuelle ne verse aucun dividende : ses excédents renforcent ses fonds "
            "propres ou financent des actions de prévention et un fonds social pour les adhérents en difficulté."
        )
    elif form is LegalForm.ESUS:
        text = (
            "Agréés entreprise solidaire d'utilité sociale, nous consacrons la majorité de nos bénéfices au "
            "projet, et la moyenne des cinq plus hautes rémunérations n'excède pas sept fois le SMIC."
        )
    elif form in {LegalForm.SIAE_EI, LegalForm.SIAE_ETTI, LegalForm.EA}:
        text = (
            "Les bénéfices sont intégralement réinvestis dans l'entreprise, dans l'adaptation des postes et "
            "la formation ; aucun dividende n'a été versé depuis la création."
        )
    elif form in ASSOCIATIVE:
        text = (
            "Association à but non lucratif, nous ne distribuons aucun excédent : ils sont réinvestis dans "
            "le projet ou mis en réserve pour sécuriser les emplois."
        )
    else:
        text = "Les bénéfices sont réinvestis dans l'activité ; aucun dividende n'a été versé à ce jour."
    return (
        f"{text} L'écart entre la rémunération la plus basse et la plus haute est de 1 à {ratio}."
    )


# ---------------------------------------------------------------- ancrage territorial

NETWORKS = (
    "Nous sommes adhérents de la CRESS Auvergne-Rhône-Alpes et participons aux rencontres de l'ESS de notre bassin.",
    "Nous siégeons au pôle territorial de coopération économique de notre bassin et accueillons chaque année des visites d'écoles et d'élus.",
    "Nous participons aux marchés, aux foires et aux forums de l'emploi de la commune, et sommes membres de la CRESS Auvergne-Rhône-Alpes.",
)


def ancrage_territorial(f: Facts, rng: random.Random) -> str:
    network = rng.choice(NETWORKS)
    if f.sector is Sector.VOYAGE_SOLIDAIRE:
        return (
            "Nos séjours sont construits avec des hébergeurs, des guides et des producteurs du pays "
            "d'accueil, rémunérés équitablement et associés à la conception des itinéraires. "
            + network
        )
    if f.sector is Sector.COMMERCE_EQUITABLE:
        return (
            "Nos matières premières viennent de coopératives de producteurs du Sud, mais la transformation, "
            f"le conditionnement et la distribution sont assurés {f.in_departement}, avec des prestataires de "
            "la région. " + network
        )
    purchases = (
        f"{rng.randint(60, 90)} % de nos achats sont réalisés auprès de fournisseurs d'Auvergne-Rhône-Alpes, "
        f"dont une majorité {f.in_departement}."
    )
    if f.sector in FOOD:
        local = (
            "L'essentiel de nos approvisionnements vient de fermes situées à moins de "
            f"{rng.choice((30, 40, 50, 60))} kilomètres de {f.commune}."
        )
    else:
        local = (
            "Nos clients sont pour l'essentiel des habitants, des associations, des entreprises et des "
            f"collectivités de la région de {f.commune}."
        )
    return f"{purchases} {local} {network}"


# ---------------------------------------------------------------- environnement

ENVIRONMENT = {
    Sector.ALIMENTATION: "Nous privilégions les produits de saison, limitons les emballages jetables et développons le vrac et la consigne.",
    Sector.COMMERCE_EQUITABLE: "Nos produits sont issus de l'agriculture biologique et voyagent par bateau ; les emballages sont compostables ou recyclables.",
    Sector.AGRICULTURE_BIO_LOCALE: "Nos producteurs sont certifiés en agriculture biologique ou en conversion, et les livraisons sont regroupées pour limiter les trajets.",
    Sector.INSERTION: "Nous appliquons un plan de tri des déchets dans nos locaux et sur nos chantiers, et remplaçons progressivement nos véhicules thermiques par des utilitaires électriques.",
    Sector.ECO_PRODUITS: "Nos produits sont conçus pour durer et être réparés ; les matières premières sont recyclées ou d'origine locale.",
    Sector.REEMPLOI: "L'an dernier, nous avons détourné environ {tonnes} tonnes d'objets et de matériaux de l'enfouissement ou de l'incinération.",
    Sector.ENERGIE: "Chaque installation fait l'objet d'un bilan énergétique publié chaque année, et nous valorisons des ressources locales et renouvelables sans concurrencer les terres agricoles.",
    Sector.ECO_CONSTRUCTION: "Nous utilisons des matériaux biosourcés (bois, paille, chanvre, terre) issus de filières locales, et réduisons les déchets de chantier par le tri et le réemploi.",
    Sector.MOBILITE_DOUCE: "Notre activité remplace chaque année des milliers de trajets en voiture, et nos vélos et véhicules sont entretenus et réparés pour durer le plus longtemps possible.",
    Sector.VOYAGE_SOLIDAIRE: "Nous privilégions des séjours longs et le train pour toutes les destinations européennes, afin de limiter le nombre de vols.",
    Sector.SERVICES_ENTREPRISES: "Nos déplacements professionnels se font en priorité en transports en commun ou à vélo, et notre matériel informatique est reconditionné.",
    Sector.CULTURE: "Nos productions et nos événements suivent une charte éco-responsable : matériaux recyclés, restauration locale, covoiturage proposé au public.",
}


def environnement(f: Facts, rng: random.Random) -> str:
    practice = ENVIRONMENT[f.sector].format(tonnes=rng.randint(40, 320))
    measure = rng.choice(
        (
            f"Nous mesurons chaque année nos consommations d'énergie et nos déchets, et nous nous sommes fixé une baisse de {rng.choice((10, 15, 20))} % d'ici trois ans.",
            f"Un bilan de nos émissions de gaz à effet de serre a été réalisé en {f.year - rng.randint(1, 2)} ; il guide notre plan d'action.",
            "Un référent environnement suit nos indicateurs (énergie, eau, déchets, transports) et les présente chaque année à toute l'équipe.",
        )
    )
    return f"{practice} {measure}"


# ---------------------------------------------------------------- emploi et insertion


def emploi_insertion(f: Facts, rng: random.Random) -> str:
    form = f.legal_form
    if form in SIAE_WORKSHOPS:
        return (
            f"{f.permanent_staff} salariés permanents encadrent et accompagnent {f.insertion} personnes en "
            "parcours d'insertion. Chaque parcours comprend un accompagnement social et professionnel, des "
            "formations qualifiantes et des périodes d'immersion en entreprise."
        )
    if form in {LegalForm.SIAE_ETTI, LegalForm.SIAE_AI}:
        return (
            f"Nos {f.staff} permanents accompagnent les {f.insertion} personnes en parcours : chacune a un "
            "référent, un plan de formation et un suivi régulier pendant ses missions. Les entreprises "
            "utilisatrices s'engagent à accueillir et à former les personnes mises à disposition."
        )
    if form is LegalForm.EA:
        return (
            f"{f.insertion} de nos {f.staff} salariés sont reconnus travailleurs handicapés. Les postes sont "
            "adaptés avec l'aide d'un ergonome et chacun bénéficie d'un plan de formation individuel."
        )
    if form is LegalForm.ESAT:
        return (
            f"{f.staff} moniteurs et éducateurs encadrent les {f.insertion} travailleurs de l'établissement. "
            "Des mises à disposition en entreprise préparent celles et ceux qui le souhaitent au milieu ordinaire."
        )
    if form is LegalForm.CAE:
        return (
            f"Les {f.staff} entrepreneurs-salariés bénéficient d'un contrat de travail, de la protection "
            "sociale du salariat et d'un accompagnement collectif : formations, ateliers entre pairs, "
            "mutuelle et prévoyance. Chacun est suivi par un chargé d'accompagnement pendant ses "
            "premières années d'activité."
        )
    permanent = max(1, f.staff - rng.randint(0, 1))
    text = (
        f"Sur nos {f.staff} salariés, {permanent} sont en CDI ; les temps partiels sont choisis, jamais "
        "imposés. Chacun a un entretien annuel et un plan de formation financé au-delà des obligations légales."
    )
    if f.insertion:
        text += (
            f" {f.insertion} postes sont réservés à des personnes en parcours d'insertion, accompagnées avec "
            "une structure spécialisée voisine."
        )
    else:
        text += " Nous accueillons chaque année des stagiaires et des apprentis."
    return text


# ---------------------------------------------------------------- transparence et coopération


def transparence_cooperation(f: Facts, rng: random.Random) -> str:
    if f.sector is Sector.VOYAGE_SOLIDAIRE:
        prices = (
            "Le prix de chaque séjour est décomposé : transport, hébergement, rémunération des accueillants "
            "et des guides."
        )
    elif f.sector in FOOD:
        prices = "L'origine de chaque produit est indiquée, ainsi que la part du prix qui revient au producteur."
    elif f.sector in {Sector.SERVICES_ENTREPRISES, Sector.CULTURE}:
        prices = "Nos tarifs sont publics, avec une grille modulée selon la taille et les moyens des structures clientes."
    else:
        prices = "Nos tarifs sont publics et nos devis détaillés, avec l'origine des matériaux et la part éventuelle de sous-traitance."
    topics = rng.choice(
        (
            "des achats groupés, des prêts de matériel et des réponses communes aux marchés publics",
            "des formations croisées, le partage de locaux et des réponses communes aux appels d'offres",
            "des chantiers en groupement, des échanges de savoir-faire et des événements communs",
        )
    )
    if f.partner:
        together = f"Nous coopérons avec d'autres structures de l'ESS, notamment {f.partner}, pour {topics}."
    else:
        together = f"Nous coopérons avec d'autres structures de l'ESS du territoire pour {topics}."
    return f"{prices} {together}"


ANSWERS: dict[str, Callable[[Facts, random.Random], str]] = {
    "utilite_sociale": utilite_sociale,
    "gouvernance": gouvernance,
    "lucrativite_limitee": lucrativite_limitee,
    "ancrage_territorial": ancrage_territorial,
    "environnement": environnement,
    "emploi_insertion": emploi_insertion,
    "transparence_cooperation": transparence_cooperation,
}


def answer(code: str, label: str, facts: Facts, rng: random.Random) -> str:
    """The structure's self-assessment for the criterion ``code`` (2 to 4 sentences)."""
    write = ANSWERS.get(code)
    if write is not None:
        return write(facts, rng)
    return (
        f"Sur le critère « {label} », nous présentons au comité nos pratiques et nos résultats de l'année "
        "écoulée. Les justificatifs sont à sa disposition."
    )


# ---------------------------------------------------------------- the committee's words

WEAK_POINT = {
    "utilite_sociale": "les publics touchés et les résultats obtenus sont peu décrits",
    "gouvernance": "la place des salariés et des usagers dans les décisions reste à préciser",
    "lucrativite_limitee": "l'affectation des excédents n'est pas détaillée",
    "ancrage_territorial": "la part des achats locaux n'est pas justifiée",
    "environnement": "les indicateurs et les objectifs chiffrés manquent",
    "emploi_insertion": "les conditions d'emploi (contrats, formation) sont peu décrites",
    "transparence_cooperation": "l'information des clients sur les prix et l'origine reste à préciser",
}
GENERIC_WEAK_POINT = "les éléments fournis restent succincts"

FAVORABLE_COMMENTS = (
    "Dossier clair et bien documenté. Les engagements correspondent à ce que l'on connaît de la structure sur le terrain. Avis favorable.",
    "Structure solide, bien ancrée dans son territoire, avec une gouvernance conforme à son statut. Je suis favorable à l'agrément.",
    "Les réponses sont précises et vérifiables, et les statuts confirment la limitation de la lucrativité. Avis favorable sans réserve.",
    "Très bon dossier. La coopération avec les autres acteurs de l'ESS locale est un vrai point fort.",
    "J'ai pu échanger avec des clients de la structure : les retours sont très positifs. Avis favorable.",
    "Projet cohérent et utile. Il serait bon de disposer d'indicateurs chiffrés sur le critère « {weak} » lors du renouvellement.",
)


def weak_point(code: str) -> str:
    return WEAK_POINT.get(code, GENERIC_WEAK_POINT)


def score_note(code: str) -> str:
    """A member's note on a low score."""
    text = weak_point(code)
    return text[0].upper() + text[1:] + "."


def favorable_comment(weak_label: str, rng: random.Random) -> str:
    return rng.choice(FAVORABLE_COMMENTS).format(weak=weak_label)


def reserved_comment(weak_code: str, weak_label: str) -> str:
    return (
        f"Le projet répond à l'esprit de la charte, mais le critère « {weak_label} » reste insuffisamment "
        f"étayé : {weak_point(weak_code)}. Je souhaite que ce point soit suivi lors du renouvellement."
    )


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def approval_motivation(
    favorable: int, reserved: int, strengths: list[str], weak_code: str, weak_label: str
) -> str:
    """The chair's motivation of an approval, from the tally and the criteria's average scores."""
    if reserved:
        opinions = f"{favorable} avis favorables et {reserved} réservé{'s' if reserved > 1 else ''}"
    else:
        opinions = f"{favorable} avis favorables, à l'unanimité des avis exprimés"
    best = " et ".join(_lower_first(label) for label in strengths)
    return (
        f"Le comité accorde l'agrément : le dossier est complet et la majorité des membres y est favorable "
        f"({opinions}). Points forts relevés : {best}. "
        f"Point d'attention pour le renouvellement : {_lower_first(weak_label)}, car {weak_point(weak_code)}."
    )


# Questions a member may have asked during an approved structure's examination,
# with the structure's answer: (criterion code, question, answer writer).
def _surplus_answer(f: Facts, rng: random.Random) -> str:
    if f.legal_form in ASSOCIATIVE:
        return (
            "L'association a dégagé de petits excédents sur deux des trois derniers exercices ; ils ont été "
            "intégralement mis en réserve pour sécuriser la trésorerie et renouveler le matériel. "
            "Les comptes approuvés sont à la disposition du comité."
        )
    if f.legal_form in COOPERATIVE:
        return (
            "Sur les trois derniers exercices, les excédents ont été affectés aux réserves impartageables et, "
            "le cas échéant, à la participation des salariés ; la rémunération des parts n'a jamais dépassé "
            "le taux légal. Les comptes approuvés sont à la disposition du comité."
        )
    return (
        "Les bénéfices des trois derniers exercices ont été intégralement réinvestis et aucun dividende n'a "
        "été versé. Nous pouvons transmettre les comptes approuvés si le comité le souhaite."
    )


def _turnover_answer(f: Facts, rng: random.Random) -> str:
    return (
        f"Environ {rng.randint(70, 95)} % de notre chiffre d'affaires est réalisé dans la région, dont "
        f"l'essentiel {f.in_departement}. Le reste vient de clients d'autres régions qui nous connaissent "
        "par nos réseaux."
    )


def _training_answer(f: Facts, rng: random.Random) -> str:
    trained = max(1, min(f.staff, round(f.staff * rng.uniform(0.4, 0.8))))
    return (
        f"{trained} personnes de l'équipe ont suivi au moins une formation l'an dernier : sécurité, gestes "
        "et postures, et formations propres à notre métier. Le plan de formation est construit chaque "
        "année avec l'équipe."
    )


QUESTIONS: tuple[tuple[str, str, Callable[[Facts, random.Random], str]], ...] = (
    (
        "lucrativite_limitee",
        "Pouvez-vous préciser l'affectation de vos excédents sur les trois derniers exercices ?",
        _surplus_answer,
    ),
    (
        "ancrage_territorial",
        "Quelle part de votre chiffre d'affaires est réalisée en Auvergne-Rhône-Alpes ?",
        _turnover_answer,
    ),
    (
        "emploi_insertion",
        "Combien de personnes de l'équipe ont suivi une formation l'an dernier, et sur quels sujets ?",
        _training_answer,
    ),
)

RECUSAL_REASON = (
    "Je suis salariée de cette structure : je ne prends pas part à l'examen de son dossier."
)
