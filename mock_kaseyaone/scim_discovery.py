"""KaseyaOne's SCIM service provider describing itself (RFC 7644 §4): ServiceProviderConfig,
ResourceTypes and Schemas, built with scim2-models (`sim_common.scim.ServiceDescription`).

The service is read-only: modules read the tenant's groups and users, KaseyaOne itself manages
them. So the configuration says PATCH is not supported, and every published attribute is
readOnly (RFC 7643 §7); the User schema is trimmed to the attributes KaseyaOne keeps (see
`mock_kaseyaone.scim` for the mapping)."""

from __future__ import annotations

from scim2_models import (
    Attribute,
    AuthenticationScheme,
    Group,
    Mutability,
    ResourceType,
    Schema,
    User,
)

from sim_common.scim import ServiceDescription

# filter.maxResults: the most resources one query or search answers, so that a module reads
# a tenant's groups in a few pages.
MAX_RESULTS = 1000

GROUP_RESOURCE_TYPE = ResourceType.from_resource(Group).model_copy(
    update={"description": "KaseyaOne groups"}
)
USER_RESOURCE_TYPE = ResourceType.from_resource(User).model_copy(
    update={"description": "KaseyaOne users"}
)


def _read_only(attribute: Attribute, description: str, **subs: str) -> Attribute:
    """The attribute, and those of its sub-attributes named in `subs` (with their
    descriptions), as readOnly."""
    sub_attributes = [
        _read_only(attribute[name], sub_description) for name, sub_description in subs.items()
    ]
    return attribute.model_copy(
        update={
            "mutability": Mutability.read_only,
            "description": description,
            "sub_attributes": sub_attributes or None,
        }
    )


def _published(core: Schema, description: str, attributes: list[Attribute]) -> Schema:
    return core.model_copy(update={"description": description, "attributes": attributes})


def _group_schema() -> Schema:
    core = Group.to_schema()
    return _published(
        core,
        "KaseyaOne group, read-only",
        [
            _read_only(
                core["displayName"], "The group's name, unique in the tenant (as it is written)."
            ),
            _read_only(
                core["members"],
                "The group's members: KaseyaOne users only, no nested groups. Left out of an "
                "answer asked with excludedAttributes=members.",
                value="The member's id (a KaseyaOne user id).",
                **{"$ref": "The URI of the member's User resource."},
                type="Always 'User'.",
                display="The member's email address.",
            ),
        ],
    )


def _user_schema() -> Schema:
    core = User.to_schema()
    return _published(
        core,
        "KaseyaOne user, read-only",
        [
            _read_only(
                core["userName"],
                "The user's email address, with which they sign in to KaseyaOne: unique across "
                "KaseyaOne, kept in lower case.",
            ),
            _read_only(
                core["name"],
                "The user's name, as KaseyaOne keeps it: 'formatted' only.",
                formatted="The user's name; the same as displayName.",
            ),
            _read_only(core["displayName"], "The user's name."),
            _read_only(
                core["emails"],
                "The user's email address, when it is a deliverable one.",
                value="The email address (userName).",
                primary="Always true.",
            ),
            _read_only(core["active"], "False while the user is deactivated in KaseyaOne."),
            _read_only(
                core["groups"],
                "The KaseyaOne groups the user is a member of.",
                value="The group's id.",
                **{"$ref": "The URI of the group's Group resource."},
                display="The group's name.",
                type="Always 'direct': KaseyaOne has no nested groups.",
            ),
        ],
    )


GROUP_SCHEMA = _group_schema()
USER_SCHEMA = _user_schema()

DESCRIPTION = ServiceDescription(
    authentication_scheme=AuthenticationScheme(
        type=AuthenticationScheme.Type.httpbasic,
        name="HTTP Basic",
        description="A module instance's OAuth client_id and client_secret, which KaseyaOne "
        "issued when the module added its integration.",
        spec_uri="https://www.rfc-editor.org/rfc/rfc7617",
        primary=True,
    ),
    max_results=MAX_RESULTS,
    patch=False,
    resources=[(GROUP_RESOURCE_TYPE, GROUP_SCHEMA), (USER_RESOURCE_TYPE, USER_SCHEMA)],
)
