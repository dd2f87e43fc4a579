"""Autotask's SCIM service provider describing itself (RFC 7644 §4): ServiceProviderConfig,
ResourceTypes and Schemas, built with scim2-models (`sim_common.scim.ServiceDescription`). The
published User schema is trimmed to what a resource has and KaseyaOne may set (see
`mock_autotask.scim` for the mapping)."""

from __future__ import annotations

from scim2_models import Mutability, Required, ResourceType, Schema, User

from sim_common.scim import module_service_description, published_attribute, read_only_attribute

MAX_RESULTS = 100  # filter.maxResults: the most resources one query or search answers

USER_RESOURCE_TYPE = ResourceType.from_resource(User).model_copy(
    update={"description": "Autotask resources (its users)"}
)


def _autotask_user_schema() -> Schema:
    """The core User schema (RFC 7643 §4.1) as Autotask serves it: a resource's username,
    whether it is active, and its Security Level (`roles`) may be set; its name and email address
    are Autotask's own, shown read-only."""
    core = User.to_schema()
    name, emails, roles = core["name"], core["emails"], core["roles"]
    return core.model_copy(
        update={
            "description": "Autotask resource",
            "attributes": [
                published_attribute(
                    core,
                    "userName",
                    description="The resource's Autotask username, unique in the instance, "
                    "compared without case (kept in lower case). A resource created over SCIM "
                    "takes it as its email address too: it must be one (KaseyaOne's usernames "
                    "are).",
                ),
                published_attribute(
                    core,
                    "name",
                    mutability=Mutability.read_only,
                    description="The resource's first and last name, kept by Autotask. A "
                    "resource created over SCIM is named after its userName.",
                    sub_attributes=[
                        read_only_attribute(name, "givenName", "The resource's first name."),
                        read_only_attribute(name, "familyName", "The resource's last name."),
                    ],
                ),
                published_attribute(
                    core,
                    "active",
                    required=Required.true,
                    description="Whether the resource is active. False makes it inactive, which "
                    "ends its sessions at once; Autotask never deletes a resource, so it cannot "
                    "be removed. A creation without it makes an active resource.",
                ),
                published_attribute(
                    core,
                    "emails",
                    mutability=Mutability.read_only,
                    description="The resource's email address, kept by Autotask.",
                    sub_attributes=[
                        read_only_attribute(emails, "value", "The email address."),
                        read_only_attribute(emails, "primary", "Always true."),
                    ],
                ),
                published_attribute(
                    core,
                    "roles",
                    description="The resource's Security Level (the access level KaseyaOne "
                    "gives): one role, whose value is the Security Level's id (or name); of "
                    "several, the last. A resource created without one gets Automatic User "
                    "Provisioning's Default Security Level; it cannot be removed.",
                    sub_attributes=[
                        published_attribute(
                            roles,
                            "value",
                            description="The Security Level's id (a request may name it).",
                        )
                    ],
                ),
            ],
        }
    )


USER_SCHEMA = _autotask_user_schema()


DESCRIPTION = module_service_description(
    "The Autotask instance's", USER_RESOURCE_TYPE, USER_SCHEMA, MAX_RESULTS
)
