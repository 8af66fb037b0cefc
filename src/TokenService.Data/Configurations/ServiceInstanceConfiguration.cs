using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class ServiceInstanceConfiguration : IEntityTypeConfiguration<ServiceInstance>
{
    public void Configure(EntityTypeBuilder<ServiceInstance> builder)
    {
        builder.ToTable("ServiceInstances");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).HasMaxLength(32).IsUnicode(false);
    }
}
