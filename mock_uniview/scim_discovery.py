"""UniView's SCIM service provider describing itself (RFC 7644 §4): ServiceProviderConfig,
ResourceTypes and Schemas, built with scim2-models (`sim_common.scim.ServiceDescription`). The
published User schema is trimmed to the attributes UniView keeps (see `mock_uniview.scim` for the
mapping)."""

from __future__ import annotations

from scim2_models import AuthenticationScheme, Mutability, Required, ResourceType, Schema, User

from sim_common.scim import ServiceDescription

MAX_RESULTS = 100  # filter.maxResults: the most resources one query or search answers

USER_RESOURCE_TYPE = ResourceType.from_resource(User).model_copy(
    update={"description": "UniView Portal users"}
)


def _uniview_user_schema() -> Schema:
    """The core User schema (RFC 7643 §4.1) as UniView serves it: only the attributes it keeps,
    with what it does to them."""
    core = User.to_schema()

    def attribute(name: str, parent=core, **changes):
        return parent[name].model_copy(update=changes)

    def read_only(name: str, parent, description: str):
        return attribute(name, parent, mutability=Mutability.read_only, description=description)

    emails, roles = core["emails"], core["roles"]
    return core.model_copy(
        update={
            "description": "UniView Portal user account",
            "attributes": [
                attribute(
                    "userName",
                    description="The UniView Portal username: an email address, unique in "
                    "the tenant, compared without case (stored in lower case).",
                ),
                attribute(
                    "name",
                    description="The user's name, as UniView keeps it: 'formatted' only.",
                    sub_attributes=[
                        attribute(
                            "formatted",
                            core["name"],
                            description="The user's UniView name; the same as displayName.",
                        )
                    ],
                ),
                attribute(
                    "displayName",
                    description="The user's UniView name. Removing it (or 'name') gives the "
                    "user back the default name, their username.",
                ),
                attribute(
                    "active",
                    required=Required.true,
                    description="Whether the UniView account is active. False disables the "
                    "account and ends the user's sessions at once; a UniView account is "
                    "always active or disabled, so it cannot be removed. A creation without "
                    "it makes an active account.",
                ),
                attribute(
                    "emails",
                    mutability=Mutability.read_only,
                    description="The username, when it is a deliverable address. Change "
                    "userName instead.",
                    sub_attributes=[
                        read_only("value", emails, "The username."),
                        read_only("primary", emails, "Always true."),
                    ],
                ),
                attribute(
                    "roles",
                    mutability=Mutability.read_only,
                    description="The user's UniView role: superuser, administrator or "
                    "monitor. Users created over SCIM get the integration's default role.",
                    sub_attributes=[
                        read_only("value", roles, "superuser, administrator or monitor."),
                        read_only("primary", roles, "Always true."),
                    ],
                ),
            ],
        }
    )


USER_SCHEMA = _uniview_user_schema()


DESCRIPTION = ServiceDescription(
    authentication_scheme=AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken,
        name="OAuth Bearer Token",
        description="The tenant's SCIM token, which KaseyaOne received when the KaseyaOne "
        "integration was added, as 'Authorization: Bearer <token>'.",
        spec_uri="https://www.rfc-editor.org/rfc/rfc6750",
        primary=True,
    ),
    max_results=MAX_RESULTS,
    patch=True,
    resources=[(USER_RESOURCE_TYPE, USER_SCHEMA)],
)
