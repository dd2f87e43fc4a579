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
]
