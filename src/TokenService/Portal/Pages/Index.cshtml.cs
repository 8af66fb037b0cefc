using Microsoft.AspNetCore.Mvc;
using TokenService.Api;
using TokenService.Data;
using TokenService.Management;
using TokenService.Principals;

namespace TokenService.Portal.Pages;

/// <summary>The organization picker: an admin's organizations, or (for the superuser) the first page of all of them.</summary>
public sealed class IndexModel(TokenServiceDbContext db) : PortalPage
{
    public IReadOnlyList<string> Organizations { get; private set; } = [];

    public bool More { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Caller.Type == PrincipalType.Superuser)
        {
            var page = Read<Page<OrganizationResponse>>((await OrganizationsApi.ListAsync(Caller, db, new PageRequest(100, null), cancellationToken)).Result);
            Organizations = page?.Items.Select(o => o.Name).ToList() ?? [];
            More = page?.Cursor is not null;
            return Page();
        }

        Organizations = [.. Caller.Memberships.Select(m => m.Org).Order(StringComparer.Ordinal)];

        // One organization: nothing to pick.
        return Organizations.Count == 1 && Notice is null && Problem is null
            ? LocalRedirect($"/portal/orgs/{Uri.EscapeDataString(Organizations[0])}")
            : Page();
    }
}
