using Microsoft.AspNetCore.Mvc;
using TokenService.Api;
using TokenService.Data;
using TokenService.Management;
using TokenService.Tenants;

namespace TokenService.Portal.Pages;

/// <summary>An organization's audit log, newest first, a page at a time (the management API's list).</summary>
public sealed class AuditModel(TenantOperations tenants, TokenServiceDbContext db) : PortalPage
{
    public Page<AuditEventResponse>? Events { get; private set; }

    public string Org { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string org, string? cursor, CancellationToken cancellationToken)
    {
        Org = org;
        Events = Read<Page<AuditEventResponse>>((await AuditApi.ListAsync(org, Caller, db, tenants, new PageRequest(50, cursor), cancellationToken)).Result);
        return Page();
    }
}
