"""Proposals, information pieces, theory research and social service: the four work platforms."""

from grassroots.platforms.models.common import Level
from grassroots.platforms.models.information import (
    InformationAdoption,
    InformationAuthor,
    InformationPiece,
    InformationPointRule,
    InformationQuota,
    InformationStatus,
)
from grassroots.platforms.models.proposals import (
    ForwardTarget,
    LeaderInstruction,
    Proposal,
    ProposalAuthor,
    ProposalKind,
    ProposalNote,
    ProposalReviewer,
    ProposalSimilarity,
    ProposalStatus,
    Satisfaction,
)
from grassroots.platforms.models.research import (
    ResearchAward,
    ResearchMember,
    ResearchOutput,
    ResearchStatus,
    ResearchTopic,
)
from grassroots.platforms.models.service import (
    ServiceKind,
    ServiceProject,
    ServiceProjectUnit,
    ServiceStatus,
    ServiceVolunteer,
)
from grassroots.platforms.models.tally import PlatformTally

__all__ = [
    "ForwardTarget",
    "InformationAdoption",
    "InformationAuthor",
    "InformationPiece",
    "InformationPointRule",
    "InformationQuota",
    "InformationStatus",
    "LeaderInstruction",
    "Level",
    "PlatformTally",
    "Proposal",
    "ProposalAuthor",
    "ProposalKind",
    "ProposalNote",
    "ProposalReviewer",
    "ProposalSimilarity",
    "ProposalStatus",
    "ResearchAward",
    "ResearchMember",
    "ResearchOutput",
    "ResearchStatus",
    "ResearchTopic",
    "Satisfaction",
    "ServiceKind",
    "ServiceProject",
    "ServiceProjectUnit",
    "ServiceStatus",
    "ServiceVolunteer",
]
