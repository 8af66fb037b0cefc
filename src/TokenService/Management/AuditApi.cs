using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Data;
using TokenService.Principals;

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

    internal static async Task<IResult> ListAsync(
        string org, Caller caller, TokenServiceDbContext db, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await OrganizationsApi.FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (Paging.TryParse(limit, cursor, out var take, out var after) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        long? before = null;
        if (after is not null)
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return ApiErrors.BadRequest("cursor is not one this service returned.");
            }

            before = id;
        }

        var rows = await db.AuditEvents.AsNoTracking()
            .Where(e => e.OrganizationId == organization!.Id && (before == null || e.Id < before))
            .OrderByDescending(e => e.Id).Take(take + 1)
            .ToListAsync(cancellationToken);
        var page = Paging.Build(rows, take, e => e.Id.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new Page<AuditEventResponse>(
            page.Items.Select(e => new AuditEventResponse(e.Id, DateTimeOffset.FromUnixTimeMilliseconds(e.At), e.Kind, e.Actor, e.Target, e.Detail, e.Address)).ToList(),
            page.Cursor));
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
