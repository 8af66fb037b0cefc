using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using TokenService.Api;
using TokenService.Callers;
using TokenService.Data;
using TokenService.Tenants;

namespace TokenService.Compat;

/// <summary>
/// Usergrid's token paths — <c>/management/token</c> and <c>/{org}/{app}/token</c>, by <c>GET</c> with a query,
/// <c>POST</c> form or <c>POST</c> JSON — rewritten onto the standard <c>POST /token</c> before OpenIddict sees the
/// request. Translation only: the grants, TTL policy and errors are the standard pipeline's.
/// </summary>
public static class UsergridTokenPaths
{
    /// <summary>Rewrites Usergrid token requests; must run before OpenIddict (authentication) and routing.</summary>
    public static IApplicationBuilder UseUsergridTokenPaths(this IApplicationBuilder app) => app.Use(TranslateAsync);

    private static async Task TranslateAsync(HttpContext http, Func<Task> next)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsPost(request.Method) || !TryMatch(request.Path, out var org, out var app))
        {
            await next();
            return;
        }

        string? publicClientId = null;
        if (org is not null)
        {
            publicClientId = await http.RequestServices.GetRequiredService<TokenServiceDbContext>().Applications.AsNoTracking()
                .Named(org, app!).Select(a => a.PublicClientId)
                .FirstOrDefaultAsync(http.RequestAborted);
            // An org or app that does not exist is not announced (a 404 here told strangers which tenants exist): a
            // client that signs nobody in stands in, and the answer is the one a real app gives for wrong credentials.
            publicClientId ??= ClientDirectory.NowhereClientId;
        }

        var parameters = await ReadParametersAsync(request, http.RequestAborted);
        if (parameters is null)
        {
            await ApiErrors.BadRequest("The body must be a form or a flat JSON object of strings and numbers.").ExecuteAsync(http);
            return;
        }

        // Usergrid clients sign users in without the app client's secret: the app's public client (or, for admin
        // users, the management client) stands in. A request that authenticates a client keeps its own.
        if (!parameters.ContainsKey("client_id") && StringValues.IsNullOrEmpty(request.Headers.Authorization))
        {
            parameters["client_id"] = publicClientId ?? ClientDirectory.ManagementClientId;
        }

        ReplaceWithForm(http, OAuth.ProtocolPaths.Token, parameters);
        http.Features.Set(new UsergridTokenRequest(org, app));
        await next();
    }

    /// <summary>
    /// Turns the request into a form POST of <paramref name="parameters"/> to <paramref name="path"/>, for the endpoints
    /// after this point (OpenIddict's among them) to answer as if the client had sent it so.
    /// </summary>
    public static void ReplaceWithForm(HttpContext http, string path, Dictionary<string, StringValues> parameters)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(parameters);

        // "?a=1&b=2" without its "?"; a request with no parameters at all (a body of no known type) gives an empty form,
        // and /token answers it with the OAuth error for a missing grant_type.
        var query = QueryHelpers.AddQueryString("", parameters.SelectMany(
            p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v))));
        var body = Encoding.UTF8.GetBytes(query.Length > 0 ? query[1..] : "");
        var request = http.Request;
        request.Method = HttpMethods.Post;
        request.Path = path;
        request.QueryString = QueryString.Empty;
        request.ContentType = "application/x-www-form-urlencoded";
        request.ContentLength = body.Length;
        request.Body = new MemoryStream(body);

        // A form read earlier is cached: replace it too, or OpenIddict would read the original.
        http.Features.Set<IFormFeature>(new FormFeature(new FormCollection(parameters)));
    }

    /// <summary><c>/management/token</c> (org and app null) or <c>/{org}/{app}/token</c>.</summary>
    internal static bool TryMatch(PathString path, out string? org, out string? app)
    {
        (org, app) = (null, null);
        if (path.Value is not { } value || !value.EndsWith("/token", StringComparison.Ordinal) || value == "/token")
        {
            // Every request passes here: the common case (not a Usergrid token path) costs one comparison.
            return false;
        }

        var segments = value.Trim('/').Split('/');
        if (segments is ["management", "token"])
        {
            return true;
        }

        if (segments is [var o, var a, "token"] && Names.IsValidOrganization(o) && Names.IsValid(a))
        {
            (org, app) = (o, a);
            return true;
        }

        return false;
    }

    private static async Task<Dictionary<string, StringValues>?> ReadParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var parameters = request.Query.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal);
        if (HttpMethods.IsGet(request.Method))
        {
            // Usergrid clients may send "Content-Type: application/json" and "{}" even on GET: the query is what counts.
            return parameters;
        }

        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // A multipart body that is not one (or a form over the reader's limits): the client's malformed request.
                return null;
            }

            foreach (var (key, value) in form)
            {
                parameters[key] = parameters.TryGetValue(key, out var existing) ? StringValues.Concat(existing, value) : value;
            }

            return parameters;
        }

        if (request.HasJsonContentType())
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                foreach (var property in document.RootElement.EnumerateObject())
                {
                    string? value = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Number => property.Value.GetRawText(),
                        JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                        JsonValueKind.Null => null,
                        _ => throw new JsonException("Nested values are not token parameters."),
                    };
                    if (value is not null)
                    {
                        parameters[property.Name] = parameters.TryGetValue(property.Name, out var existing)
                            ? StringValues.Concat(existing, value) : new StringValues(value);
                    }
                }
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException)
            {
                // InvalidOperationException: a string that is not valid UTF-8 cannot be read as text.
                return null;
            }
        }

        return parameters;
    }
}

/// <summary>Marks a token request that arrived on a Usergrid path, so its response takes Usergrid's shape.</summary>
/// <param name="Org">The organization of an app path; null on <c>/management/token</c>.</param>
/// <param name="App">The application of an app path.</param>
public sealed record UsergridTokenRequest(string? Org, string? App);
