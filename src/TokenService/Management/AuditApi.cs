using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Data;
using TokenService.Principals;
using TokenService.Tenants;

namespace TokenService.Management;

/// <summary><c>GET /management/orgs/{org}/audit</c>: an organization's audit events, newest first, page by page.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var audit = management.MapGroup("/orgs/{org}/audit").WithTags("Audit");
        audit.MapGet("/", ListAsync).WithSummary("Tokens issued and revoked, TTL changes, regenerated secrets and failed authentications of an organization (org admins)");
        return audit;
    }

    internal static async Task<Results<Ok<Page<AuditEventResponse>>, Refusal>> ListAsync(
        string org, Caller caller, TokenServiceDbContext db, TenantOperations tenants, [AsParameters] PageRequest page,
        CancellationToken cancellationToken)
    {
        var found = await OrganizationsApi.FindWithPageAsync(org, page, caller, tenants, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        // The cursor of this list is the last event's id, newest first.
        var (organization, query) = found.Value;
        long? before = null;
        if (query.After is { } after)
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return ApiErrors.BadRequest("cursor is not one this service returned.");
            }

            before = id;
        }

        var organizationId = organization.Id;
        var rows = await db.AuditEvents.AsNoTracking()
            .Where(e => e.OrganizationId == organizationId && (before == null || e.Id < before))
            .OrderByDescending(e => e.Id).Take(query.Take + 1)
            .ToListAsync(cancellationToken);
        var events = query.Build(rows, e => e.Id.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new Page<AuditEventResponse>(
            events.Items.Select(e => new AuditEventResponse(e.Id, DateTimeOffset.FromUnixTimeMilliseconds(e.At), e.Kind, e.Actor, e.Target, e.Detail, e.Address)).ToList(),
            events.Cursor));
    }
}

/// <summary>One audit event as the API shows it.</summary>
public sealed record AuditEventResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("actor")] string Actor,
    [property: JsonPropertyName("target")] string? Target,
    [property: JsonPropertyName("detail")] string? Detail,
    [property: JsonPropertyName("address")] string? Address);
