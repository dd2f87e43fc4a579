"""UniView's SCIM service provider describing itself (RFC 7644 §4): ServiceProviderConfig,
ResourceTypes and Schemas, built with scim2-models (`sim_common.scim.ServiceDescription`). The
published User schema is trimmed to the attributes UniView keeps (see `mock_uniview.scim` for the
mapping)."""

from __future__ import annotations

from scim2_models import Mutability, Required, ResourceType, Schema, User

from sim_common.scim import module_service_description, published_attribute, read_only_attribute

MAX_RESULTS = 100  # filter.maxResults: the most resources one query or search answers

USER_RESOURCE_TYPE = ResourceType.from_resource(User).model_copy(
    update={"description": "UniView Portal users"}
)


def _uniview_user_schema() -> Schema:
    """The core User schema (RFC 7643 §4.1) as UniView serves it: only the attributes it keeps,
    with what it does to them."""
    core = User.to_schema()
    emails, roles = core["emails"], core["roles"]
    return core.model_copy(
        update={
            "description": "UniView Portal user account",
            "attributes": [
                published_attribute(
                    core,
                    "userName",
                    description="The UniView Portal username: an email address, unique in "
                    "the tenant, compared without case (stored in lower case).",
                ),
                published_attribute(
                    core,
                    "name",
                    description="The user's name, as UniView keeps it: 'formatted' only.",
                    sub_attributes=[
                        published_attribute(
                            core["name"],
                            "formatted",
                            description="The user's UniView name; the same as displayName.",
                        )
                    ],
                ),
                published_attribute(
                    core,
                    "displayName",
                    description="The user's UniView name. Removing it (or 'name') gives the "
                    "user back the default name, their username.",
                ),
                published_attribute(
                    core,
                    "active",
                    required=Required.true,
                    description="Whether the UniView account is active. False disables the "
                    "account and ends the user's sessions at once; a UniView account is "
                    "always active or disabled, so it cannot be removed. A creation without "
                    "it makes an active account.",
                ),
                published_attribute(
                    core,
                    "emails",
                    mutability=Mutability.read_only,
                    description="The username, when it is a deliverable address. Change "
                    "userName instead.",
                    sub_attributes=[
                        read_only_attribute(emails, "value", "The username."),
                        read_only_attribute(emails, "primary", "Always true."),
                    ],
                ),
                published_attribute(
                    core,
                    "roles",
                    mutability=Mutability.read_only,
                    description="The user's UniView role: superuser, administrator or "
                    "monitor. Users created over SCIM get the integration's default role.",
                    sub_attributes=[
                        read_only_attribute(roles, "value", "superuser, administrator or monitor."),
                        read_only_attribute(roles, "primary", "Always true."),
                    ],
                ),
            ],
        }
    )


USER_SCHEMA = _uniview_user_schema()


DESCRIPTION = module_service_description(
    "The tenant's", USER_RESOURCE_TYPE, USER_SCHEMA, MAX_RESULTS
)
