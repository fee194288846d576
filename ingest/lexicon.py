"""Word lists the extraction rules use: trigger verbs, role nouns, hedges, demonyms, priors."""
from __future__ import annotations

RULESET = "rules.v1"

# trigger lemma -> frame name
VERB_FRAMES: dict[str, str] = {
    **dict.fromkeys(("found", "co-found", "cofound", "establish", "start", "launch", "create",
                     "form", "incorporate", "set", "spin", "build", "open", "begin"), "found"),
    **dict.fromkeys(("develop", "release", "unveil", "introduce", "debut", "ship", "make",
                     "manufacture", "produce", "design", "train", "roll", "announce", "preview",
                     "publish", "open-source", "unleash", "respond", "counter", "update",
                     "upgrade"), "develop"),
    **dict.fromkeys(("fund", "invest", "back", "finance", "bankroll", "raise", "pour",
                     "inject", "commit", "pledge"), "fund"),
    **dict.fromkeys(("acquire", "buy", "purchase", "takeover", "absorb"), "acquire"),
    **dict.fromkeys(("partner", "collaborate", "ally", "team", "join", "sign", "strike",
                     "ink", "forge"), "partner"),
    **dict.fromkeys(("compete", "rival", "challenge", "vie", "battle"), "compete"),
    **dict.fromkeys(("use", "deploy", "run", "rely", "adopt", "utilize", "utilise", "leverage",
                     "power", "tap", "license", "integrate", "equip", "rent", "order", "operate",
                     "stockpile", "add", "install"), "use"),
    **dict.fromkeys(("lead", "head", "helm", "chair", "steer", "oversee", "manage"), "lead"),
    **dict.fromkeys(("work", "hire", "employ", "recruit", "poach", "leave", "quit", "depart",
                     "come", "move"), "work"),
    **dict.fromkeys(("base", "headquarter", "locate", "operate", "headquartered"), "locate"),
}
PARTNER_NOUNS = {"partnership", "alliance", "collaboration", "deal", "pact", "tie-up",
                 "agreement", "venture", "joint venture", "contract", "contracts", "letters",
                 "letter", "memorandum", "partnerships", "deals", "agreements"}
BACKED_WORDS = {"backed": "funds", "funded": "funds", "financed": "funds", "owned": "owns",
                "controlled": "owns"}  # "Microsoft-backed OpenAI"
APPOINT_VERBS = {"name", "appoint", "promote", "elevate", "tap", "install", "elect", "select",
                 "choose", "pick", "hire", "rename"}
# "Qualcomm's biggest customer": relations between organisations that are not ownership
RELATIONAL_NOUNS = {"customer", "client", "supplier", "vendor", "user", "buyer", "seller", "rival",
                    "competitor", "peer", "partner", "counterpart", "investor", "backer",
                    "shareholder", "lender", "licensee", "licensor", "contractor", "provider",
                    "acquirer", "suitor", "ally", "neighbour", "neighbor", "challenger"}
# people described by their organisation ("former OpenAI employees"): not the organisation
PEOPLE_NOUNS = {"employee", "researcher", "engineer", "executive", "staff", "staffer", "veteran",
                "alumnus", "alumni", "graduate", "scientist", "worker", "founder", "co-founder",
                "insider", "official", "manager", "leader", "member", "student", "people"}
# "its planned acquisition of X", "the failed takeover of Y": not a stated fact
UNREAL_DEAL = {"planned", "proposed", "potential", "possible", "rumored", "rumoured", "mooted",
               "failed", "abandoned", "aborted", "collapsed", "scrapped", "attempted", "hypothetical"}
ROUND_NOUNS = {"round", "funding", "investment", "raise", "financing", "series"}
ROLE_LEADS = {"ceo", "chief", "executive", "head", "chairman", "chairwoman", "chair", "president",
              "boss", "leader", "mastermind", "visionary", "chairperson", "manager",
              "helm", "figure"}
# parts of an organisation a person works in or runs ("Meta's AI research lab")
WORKPLACE_NOUNS = {"lab", "laboratory", "team", "division", "unit", "group", "operations", "operation",
                   "business", "department", "arm", "research", "office", "organization"}
JOB_NOUNS = {"role", "job", "position", "post", "seat"}
ROLE_FOUNDED = {"founder", "co-founder", "cofounder", "creator"}
ROLE_WORKS = {"researcher", "engineer", "scientist", "employee", "staffer", "cto", "cfo", "coo", "director",
              "vp", "officer", "developer", "economist", "designer", "member", "lead", "counsel",
              "spokesperson", "spokesman", "spokeswoman", "intern", "analyst"}
ORG_OF_ROLE = {"rival": "competes_with", "competitor": "competes_with", "challenger":
               "competes_with", "partner": "partners_with", "ally": "partners_with",
               "investor": "funds", "backer": "funds", "shareholder": "funds", "funder": "funds",
               "unit": "owns", "subsidiary": "owns",
               "division": "owns", "arm": "owns", "parent": "owned_by", "owner": "owned_by"}
HEDGES = {"plan", "consider", "talk", "negotiate", "deny", "rumor", "rumour", "may", "might",
          "could", "should", "seek", "aim", "explore", "intend", "propose", "hope",
          "want", "reportedly", "allegedly", "potentially", "possibly", "mull", "weigh",
          "speculate", "if", "whether", "refuse", "decline", "fail", "unlikely", "expect"}
SUBJ_DEPS = ("nsubj", "csubj")
OBJ_DEPS = ("dobj", "attr", "oprd", "dative", "obj")
DEMONYMS = {
    "chinese": "China", "american": "U.S.", "japanese": "Japan", "french": "France",
    "british": "U.K.", "german": "Germany", "canadian": "Canada", "korean": "South Korea",
    "south korean": "South Korea", "indian": "India", "israeli": "Israel",
    "taiwanese": "Taiwan", "emirati": "UAE", "saudi": "Saudi Arabia", "singaporean": "Singapore",
    "dutch": "Netherlands", "swiss": "Switzerland", "swedish": "Sweden", "italian": "Italy",
    "spanish": "Spain", "european": "Europe", "russian": "Russia", "australian": "Australia",
    "brazilian": "Brazil", "finnish": "Finland", "irish": "Ireland", "polish": "Poland",
}

PRIORS = {  # rule -> prior confidence (to be calibrated on the annotated samples)
    "svo": 0.85, "svo-passive": 0.85, "svo-inherited": 0.7, "partner-noun": 0.85,
    "jv-create": 0.8, "round-lead": 0.85, "poss": 0.75, "poss-role": 0.85, "appos-role": 0.85,
    "compound-role": 0.85, "copula-role": 0.85, "demonym": 0.75, "based": 0.85,
    "acl-passive": 0.7, "org-role": 0.8, "compound-maker": 0.75, "maker-noun": 0.8,
    "participants": 0.7, "backers": 0.8, "office": 0.75, "surface-role": 0.85,
    "rival-noun": 0.7, "stake": 0.8, "competition-noun": 0.75, "integration": 0.75, "stint": 0.8,
    "production-noun": 0.75, "backed": 0.85,
}

TYPE_ROOT = {  # type words and the root class of the names they take
    **dict.fromkeys(("chip", "gpu", "processor", "accelerator", "superchip", "tpu", "cpu",
                     "supercomputer", "cluster", "system", "server"), "Hardware"),
    **dict.fromkeys(("model", "llm", "family", "series"), "AIModel"),
    **dict.fromkeys(("app", "assistant", "chatbot", "platform", "service", "browser", "tool",
                     "product", "phone", "smartphone"), "Product"),
    **dict.fromkeys(("company", "startup", "lab", "firm", "fund", "group"), "Organization"),
}
BUSINESS = {"Organization", "Company", "AILab", "Investor"}
DEFINITE = {  # definite descriptions and the classes they can refer to
    "lab": {"AILab", "Company", "Organization"}, "company": BUSINESS, "startup": BUSINESS,
    "firm": BUSINESS, "chipmaker": {"Company"}, "group": BUSINESS,
    "giant": BUSINESS, "outfit": BUSINESS, "venture": BUSINESS,
    "fund": {"Investor", "Organization"}, "business": BUSINESS, "executive": {"Person"},
    "billionaire": {"Person"}, "entrepreneur": {"Person"}, "founder": {"Person"},
    "maker": BUSINESS, "developer": BUSINESS, "creator": BUSINESS,
}

# "the ChatGPT maker", "Agility Robotics, maker of Digit": a noun naming who makes a thing
MAKER_EPITHETS = {"maker", "developer", "creator", "manufacturer"}
MAKER_NOUNS = {"maker", "developer", "creator", "builder", "manufacturer", "designer", "company",
               "lab", "startup", "firm", "team"}
ROLE_WORDS = {"chief", "executive", "officer", "ceo", "cto", "cfo", "coo", "president", "chairman",
               "chairwoman", "chair", "founder", "co-founder", "cofounder", "head", "director",
               "former", "technology", "scientist", "science", "operating", "financial", "research",
               "ai", "vice", "senior", "researcher", "engineer", "boss", "leader",
               "managing", "partner", "product", "marketing", "general", "counsel", "co-chief",
               "spokesperson", "spokesman", "spokeswoman"}
ORG_HEADS = {"lab", "startup", "start-up", "company", "firm", "chipmaker", "giant", "group",
              "developer", "maker", "unicorn", "rival", "fund", "venture", "conglomerate", "investor"}
