"""UniView's SCIM service provider describing itself (RFC 7644 §4): ServiceProviderConfig,
ResourceTypes and Schemas, built with scim2-models. The published User schema is trimmed to the
attributes UniView keeps (see `mock_uniview.scim` for the mapping)."""

from __future__ import annotations

from collections.abc import Mapping

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    Filter,
    ForbiddenException,
    ListResponse,
    Meta,
    Mutability,
    NotFoundException,
    Pagination,
    Patch,
    Required,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

MAX_RESULTS = 100  # filter.maxResults: the most resources one query or search answers

# The service's description (RFC 7644 §4).

SERVICE_PROVIDER_CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="OAuth Bearer Token",
            description="The tenant's SCIM token, which KaseyaOne received when the KaseyaOne "
            "integration was added, as 'Authorization: Bearer <token>'.",
            spec_uri="https://www.rfc-editor.org/rfc/rfc6750",
            primary=True,
        )
    ],
    pagination=Pagination(
        cursor=False,
        index=True,
        default_pagination_method=Pagination.DefaultPaginationMethod.index,
        default_page_size=MAX_RESULTS,
        max_page_size=MAX_RESULTS,
    ),
)

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


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return SERVICE_PROVIDER_CONFIG.model_copy(
        update={
            "meta": Meta(
                resource_type="ServiceProviderConfig", location=f"{base_url}/ServiceProviderConfig"
            )
        }
    )


def _located_resource_type(base_url: str) -> ResourceType:
    location = f"{base_url}/ResourceTypes/{USER_RESOURCE_TYPE.id}"
    return USER_RESOURCE_TYPE.model_copy(
        update={"meta": Meta(resource_type="ResourceType", location=location)}
    )


def _located_schema(base_url: str) -> Schema:
    location = f"{base_url}/Schemas/{USER_SCHEMA.id}"
    return USER_SCHEMA.model_copy(update={"meta": Meta(resource_type="Schema", location=location)})


def resource_types(base_url: str) -> ListResponse[ResourceType]:
    return ListResponse[ResourceType](
        total_results=1,
        start_index=1,
        items_per_page=1,
        resources=[_located_resource_type(base_url)],
    )


def get_resource_type(base_url: str, type_id: str) -> ResourceType:
    if type_id != USER_RESOURCE_TYPE.id:
        raise NotFoundException(detail=f"There is no resource type '{type_id}': only User.")
    return _located_resource_type(base_url)


def schemas(base_url: str) -> ListResponse[Schema]:
    return ListResponse[Schema](
        total_results=1, start_index=1, items_per_page=1, resources=[_located_schema(base_url)]
    )


def get_schema(base_url: str, schema_id: str) -> Schema:
    if schema_id != USER_SCHEMA.id:
        raise NotFoundException(detail=f"There is no schema '{schema_id}': only {USER_SCHEMA.id}.")
    return _located_schema(base_url)


def refuse_discovery_filter(query: Mapping[str, str]) -> None:
    """RFC 7644 §4: the discovery endpoints ignore query parameters, and answer a filter with 403
    so that no client believes its conditions were applied."""
    if "filter" in query:
        raise ForbiddenException(detail="The discovery endpoints cannot be filtered.")
