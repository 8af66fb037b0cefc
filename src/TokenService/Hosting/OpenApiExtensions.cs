using System.Globalization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TokenService.Callers;

namespace TokenService.Hosting;

/// <summary>Swagger UI at <c>/swagger</c> and the OpenAPI document at <c>/swagger/v1/swagger.json</c>.</summary>
public static class OpenApiExtensions
{
    public static IHostApplicationBuilder AddTokenServiceOpenApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "TokenService",
                Version = "v1",
                Description = "Multi-tenant OAuth 2.0 token service with the API BaaS (Usergrid) authentication model. " +
                              "TTL inputs are milliseconds; expires_in is seconds.",
            });
            options.DocumentFilter<ServiceDocumentFilter>();
            options.OperationFilter<EndpointMetadataFilter>();
        });
        return builder;
    }

    public static WebApplication UseTokenServiceOpenApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSwagger();
        app.UseSwaggerUI();
        return app;
    }

    /// <summary>
    /// Reads two things from endpoint metadata that Swashbuckle leaves out: the descriptions of documented responses
    /// (which error codes each status carries), and, for endpoints that resolve a caller (<see cref="CallerRequired"/>),
    /// the security requirements — any one of the credential forms.
    /// </summary>
    private sealed class EndpointMetadataFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            foreach (var produces in metadata.OfType<IProducesResponseTypeMetadata>())
            {
                if (produces.Description is { } description &&
                    operation.Responses?.TryGetValue(produces.StatusCode.ToString(CultureInfo.InvariantCulture), out var response) == true &&
                    response is OpenApiResponse documented)
                {
                    documented.Description = description;
                }
            }

            if (metadata.OfType<CallerRequired>().Any())
            {
                operation.Security =
                [
                    Requirement(context.Document, "bearer"), Requirement(context.Document, "access_token"),
                    Requirement(context.Document, "client_id", "client_secret"), Requirement(context.Document, "basic"),
                ];
            }
        }
    }

    /// <summary>
    /// Adds what endpoint metadata cannot say: the credential schemes, and the endpoints served outside routing
    /// (OpenIddict's protocol endpoints, the Usergrid token paths rewritten onto them, the health checks).
    /// </summary>
    private sealed class ServiceDocumentFilter : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            var schemes = document.Components.SecuritySchemes;
            schemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "An access token from /token. It may instead be sent as the access_token query or form parameter, never in two places.",
            };
            schemes["basic"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "basic",
                Description = "An org, app or resource-server client id and secret (form-url-encoded, RFC 6749 §2.3.1), or the superuser's username and password.",
            };
            schemes["access_token"] = ApiKey("access_token", "An access token in the query string.");
            schemes["client_id"] = ApiKey("client_id", "A client id; goes with client_secret (query or form), acting as that org or app client.");
            schemes["client_secret"] = ApiKey("client_secret", "The secret of client_id.");

            document.Paths["/token"] = Protocol("Token (RFC 6749)",
                "grant_type=client_credentials (org and app clients), password (app users, the client being their app client) or " +
                "refresh_token, with HTTP Basic or client_id/client_secret in the body; optional ttl in milliseconds " +
                "(0 or absent = the app's or org's accesstokenttl; above it, negative or not a number = 400 invalid_request). " +
                "Answers access_token, token_type Bearer, expires_in (seconds; absent for a non-expiring token) and, for users, refresh_token.",
                ["grant_type", "username", "password", "refresh_token", "client_id", "client_secret", "ttl"]);
            (string Path, string Summary)[] health =
            [
                ("/health/live", "Liveness: the process answers."),
                ("/health/ready", "Readiness: the database answers and no migration is pending (503 otherwise, with the reason)."),
            ];
            foreach (var (path, summary) in health)
            {
                document.Paths[path] = new OpenApiPathItem
                {
                    Operations = new Dictionary<HttpMethod, OpenApiOperation>
                    {
                        [HttpMethod.Get] = new()
                        {
                            Summary = summary,
                            Tags = new HashSet<OpenApiTagReference> { new("Health") },
                            Responses = new OpenApiResponses
                            {
                                ["200"] = new OpenApiResponse { Description = "Healthy." },
                                ["503"] = new OpenApiResponse { Description = "Unhealthy." },
                            },
                        },
                    },
                };
            }

            document.Paths["/management/token"] = Protocol("Usergrid token path for admin users and org clients",
                "Also GET with query parameters and POST with a JSON body. grant_type=password (admin users; no client needed), " +
                "refresh_token, or client_credentials (org client). ttl in milliseconds. The response adds the principal: user or organization.",
                ["grant_type", "username", "password", "refresh_token", "client_id", "client_secret", "ttl"]);
            document.Paths["/{org}/{app}/token"] = Protocol("Usergrid token path for an application",
                "Also GET with query parameters and POST with a JSON body. grant_type=password (the app's users; no client needed), " +
                "refresh_token, or client_credentials (this app's client or its org's client; any other is invalid_grant). " +
                "ttl in milliseconds. The response adds the principal: user, application or organization.",
                ["grant_type", "username", "password", "refresh_token", "client_id", "client_secret", "ttl"]);
            document.Paths["/introspect"] = Protocol("Introspection (RFC 7662)",
                "Client-authenticated like /token by an org client, app client, resource-server credential or the superuser. " +
                "A token outside the caller's tenant, unknown, expired, revoked or malformed is {\"active\":false}. An active one carries " +
                "client_id, sub, iat, exp, principal_type, org, app and (user tokens) username.",
                ["token", "token_type_hint", "client_id", "client_secret"]);
            document.Paths["/revoke"] = Protocol("Revocation (RFC 7009)",
                "By the client that obtained the token or any client with power over its org/app. Unknown tokens and tokens " +
                "beyond the caller's reach answer 200 and nothing is revoked.",
                ["token", "token_type_hint", "client_id", "client_secret"]);
        }

        private static OpenApiSecurityScheme ApiKey(string name, string description) => new()
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Query, Name = name, Description = description,
        };

        private static OpenApiPathItem Protocol(string summary, string description, string[] fields)
        {
            var form = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>() };
            foreach (var field in fields)
            {
                form.Properties[field] = new OpenApiSchema { Type = JsonSchemaType.String };
            }

            return new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        Summary = summary,
                        Description = description,
                        Tags = new HashSet<OpenApiTagReference> { new("OAuth") },
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, IOpenApiMediaType>
                            {
                                ["application/x-www-form-urlencoded"] = new OpenApiMediaType { Schema = form },
                            },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["200"] = new OpenApiResponse { Description = "Success (JSON)." },
                            ["400"] = new OpenApiResponse { Description = "RFC 6749 §5.2 error: invalid_request, invalid_grant, unsupported_grant_type, unauthorized_client." },
                            ["401"] = new OpenApiResponse { Description = "invalid_client, with WWW-Authenticate: Basic when Basic was used." },
                        },
                    },
                },
            };
        }
    }

    private static OpenApiSecurityRequirement Requirement(OpenApiDocument? document, params string[] schemes)
    {
        var requirement = new OpenApiSecurityRequirement();
        foreach (var scheme in schemes)
        {
            requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
        }

        return requirement;
    }
}
