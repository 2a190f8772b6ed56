"""Judged queries over the demo data (``flask seed-demo``).

Each query lists what a person would expect among the first ten results:
offers by their exact title (``"o:<title>"``) and structures by their slug
(``"v:<slug>"``). Expected offers that the demo left unpublished are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JudgedQuery:
    text: str
    expected: tuple[str, ...]
    kind: str  # what the query exercises


CONFITURES = (
    "o:Confiture de myrtilles sauvages",
    "o:Confiture de rhubarbe bio",
    "o:Confiture de châtaigne bio",
)
CHATAIGNE = (
    "o:Farine de châtaigne bio",
    "o:Confiture de châtaigne bio",
    "o:Bière blonde à la châtaigne",
    "o:Châtaignes entières au naturel",
)
COUTEAUX = ("o:Couteau de table forgé", "o:Couteau pliant en acier recyclé")
LAVANDE = (
    "o:Huile essentielle de lavande fine bio",
    "o:Savon à la lavande saponifié à froid",
    "o:Miel de lavande bio",
)

JUDGED_QUERIES: list[JudgedQuery] = [
    # plain words
    JudgedQuery("confiture", CONFITURES, "plain"),
    JudgedQuery("miel", ("o:Miel de montagne toutes fleurs", "o:Miel de châtaignier de l'ESAT", "o:Miel de lavande bio"), "plain"),
    JudgedQuery("farine", ("o:Farine de petit épeautre", "o:Farine de seigle bio", "o:Farine de châtaigne bio"), "plain"),
    JudgedQuery("lentilles", ("o:Lentilles blondes d'Auvergne", "o:Lentilles vertes en vrac (bocal consigné)"), "plain"),
    JudgedQuery("fromage", ("o:Tomme de Savoie IGP", "o:Beaufort d'alpage AOP", "o:Reblochon fermier AOP", "o:Raclette de la vallée"), "plain"),
    JudgedQuery("tomme", ("o:Tomme de chèvre fermière", "o:Tomme de Savoie IGP"), "plain"),
    JudgedQuery("smartphone", ("o:Smartphone reconditionné",), "plain"),
    JudgedQuery("savon", ("o:Savon à la lavande saponifié à froid", "o:Lessive liquide en vrac"), "plain"),
    JudgedQuery("couteau", COUTEAUX, "plain"),
    JudgedQuery("randonnée", ("o:Randonnée solidaire au Maroc (8 jours)", "o:Randonnée accompagnée sur l'estive"), "plain"),
    JudgedQuery("photovoltaïque", ("o:Étude de faisabilité photovoltaïque", "o:Part sociale de la centrale solaire citoyenne"), "plain"),
    # plurals and inflections
    JudgedQuery("confitures", CONFITURES, "plural"),
    JudgedQuery("châtaignes", CHATAIGNE, "plural"),
    JudgedQuery("couteaux", COUTEAUX, "plural"),
    JudgedQuery("vélos reconditionnés", ("o:Vélo de ville reconditionné", "o:Vélo enfant reconditionné (20 pouces)", "o:Vélo électrique reconditionné"), "plural"),
    JudgedQuery("bières", ("o:Bière blonde à la châtaigne",), "plural"),
    JudgedQuery("végétariens", ("o:Buffet du monde végétarien (par personne)",), "plural"),
    # missing accents
    JudgedQuery("chataigne", CHATAIGNE, "accents"),
    JudgedQuery("velo electrique", ("o:Location de vélo électrique (semaine)", "o:Vélo électrique reconditionné"), "accents"),
    JudgedQuery("legumes bio", ("o:Panier de légumes bio de saison – petit", "o:Panier solidaire de légumes bio", "o:Soupe de légumes bio (bocal)"), "accents"),
    JudgedQuery("cafe equitable", ("o:Café équitable du Pérou en grains", "o:Café équitable d'Éthiopie moulu", "o:Abonnement café équitable (un mois)"), "accents"),
    JudgedQuery("epeautre", ("o:Farine de petit épeautre",), "accents"),
    JudgedQuery("menage a domicile", ("o:Ménage à domicile",), "accents"),
    # one typo
    JudgedQuery("confitrue", CONFITURES, "typo"),
    JudgedQuery("chocolt", ("o:Chocolat noir 70 % équitable",), "typo"),
    JudgedQuery("ordinatuer", ("o:Ordinateur portable reconditionné 14 pouces", "o:Ordinateur de bureau reconditionné"), "typo"),
    JudgedQuery("lavnde", LAVANDE, "typo"),
    JudgedQuery("reblochom", ("o:Reblochon fermier AOP",), "typo"),
    JudgedQuery("déménagment", ("o:Aide au déménagement",), "typo"),
    # two words and more
    JudgedQuery("jus de pomme", ("o:Jus de pomme artisanal", "o:Jus de pomme-poire bio"), "two words"),
    JudgedQuery("ordinateur portable", ("o:Ordinateur portable reconditionné 14 pouces",), "two words"),
    JudgedQuery("isolant laine", ("o:Isolant laine de mouton (rouleau)",), "two words"),
    JudgedQuery("terre crue", ("o:Enduit terre crue (sac de 25 kg)", "o:Brique de terre crue compressée", "v:terre-crue-dauphinoise"), "two words"),
    JudgedQuery("séjour solidaire sénégal", ("o:Séjour solidaire au Sénégal (12 jours)",), "two words"),
    JudgedQuery("confiture de châtaigne près d'Aubenas", ("o:Confiture de châtaigne bio",), "two words"),
    # a vendor name
    JudgedQuery("Les Cuisines Partagées", ("v:les-cuisines-partagees",), "vendor"),
    JudgedQuery("atelier velo du drac", ("v:atelier-velo-du-drac",), "vendor"),
    JudgedQuery("Lumen Numérique", ("v:lumen-numerique",), "vendor"),
    JudgedQuery("fruitière", ("v:fruitiere-du-val-des-arves",), "vendor"),
    JudgedQuery("Seconde Planche", ("v:seconde-planche",), "vendor"),
    # a commune
    JudgedQuery("Thiers", ("v:lames-vives",), "commune"),
    JudgedQuery("Yssingeaux", ("v:filature-des-sucs",), "commune"),
    JudgedQuery("Villeurbanne", ("v:les-coursiers-pedaleurs",), "commune"),
    JudgedQuery("saint etienne", ("v:la-cabane-a-sons",), "commune"),
    JudgedQuery("clermont ferrand", ("v:les-paysans-du-dome",), "commune"),
    # a label
    JudgedQuery("équitable", ("o:Café équitable du Pérou en grains", "o:Thé vert de Darjeeling équitable", "o:Rooibos vanille équitable", "o:Chocolat noir 70 % équitable"), "label"),
    JudgedQuery("commerce équitable", ("o:Café équitable du Pérou en grains", "o:Riz basmati équitable"), "label"),
    JudgedQuery("lavande bio", LAVANDE, "label"),
    # services
    JudgedQuery("traiteur insertion", ("o:Plateau-repas du jour", "o:Buffet cocktail (par personne)", "o:Buffet du monde végétarien (par personne)"), "service"),
    JudgedQuery("nettoyage de bureaux", ("o:Nettoyage de bureaux",), "service"),
    JudgedQuery("espaces verts", ("o:Entretien d'espaces verts (équipe ESAT)", "o:Entretien d'espaces verts d'entreprise"), "service"),
    JudgedQuery("réparation vélo", ("o:Révision complète de vélo", "o:Réparation de vélo solidaire"), "service"),
    JudgedQuery("livraison à vélo", ("o:Course urgente à vélo (Lyon intra-muros)", "o:Tournée de livraison en vélo-cargo"), "service"),
    JudgedQuery("comptabilité association", ("o:Tenue de comptabilité associative",), "service"),
    JudgedQuery("mise à disposition de personnel", ("o:Mise à disposition : agent de manutention", "o:Mise à disposition : agent d'entretien", "o:Mise à disposition : aide-cuisinier"), "service"),
]
