"""KaseyaOne's domain errors, each carrying its wire code (see sim_common.errors)."""

from sim_common.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized


class EmailTaken(Conflict):
    error = "email_taken"
    message = "A KaseyaOne user with that email address already exists."


class UserNotFound(NotFound):
    error = "user_not_found"
    message = "There is no such KaseyaOne user in this tenant."


class GroupNotFound(NotFound):
    error = "group_not_found"
    message = "There is no such KaseyaOne group in this tenant."


class GroupNameTaken(Conflict):
    error = "group_name_taken"
    message = "This tenant already has a KaseyaOne group with that name."


class ModuleInstanceNotFound(NotFound):
    error = "module_instance_not_found"
    message = "There is no such module instance in this tenant."


class NotMasterUser(Forbidden):
    error = "master_user_required"
    message = "Only a KaseyaOne master user may do that."


class BadCredentials(Unauthorized):
    error = "invalid_credentials"
    message = "The KaseyaOne email address or password is wrong."


class UnknownModule(InvalidRequest):
    error = "unknown_module"
    message = "KaseyaOne knows no such module."


class InsightNotFound(NotFound):
    error = "insight_not_found"
    message = "Cooper has no such insight in this tenant."


class InsightNotInToDo(Conflict):
    error = "insight_not_in_to_do"
    message = "Only an insight in the To Do list can be snoozed."


class NoInsights(InvalidRequest):
    error = "no_insights"
    message = "Cooper has no insights for this kind of module: it takes no telemetry."


__all__ = [
    "EmailTaken",
    "UserNotFound",
    "GroupNotFound",
    "GroupNameTaken",
    "ModuleInstanceNotFound",
    "NotMasterUser",
    "BadCredentials",
    "UnknownModule",
    "InvalidRequest",
    "InsightNotFound",
    "InsightNotInToDo",
    "NoInsights",
]
