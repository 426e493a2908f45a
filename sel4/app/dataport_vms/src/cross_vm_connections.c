/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The VMM side of a guest's two Dataport links: each pair's dataport becomes a PCI device
 * (1af4:a111) in the guest, BAR0 the event register page, BAR1 the dataport, named by the
 * dp_a_name / dp_b_name attributes (the guest's connection.ko copies the name into the UIO device).
 * A guest store to the emit register calls kick_X_emit() (an seL4 signal to the peer's VMM); the
 * peer's signal arrives here as the badge of wake_X and is injected as the device's interrupt.
 */

#include <camkes.h>
#include <vmlinux.h>
#include <sel4vm/guest_vm.h>

#include <sel4vmmplatsupport/drivers/cross_vm_connection.h>
#include <sel4vmmplatsupport/drivers/pci_helper.h>
#include <pci/helper.h>

/* guest-physical window of the connections' BARs: above the three VMs' RAM, below the PCI window */
#define CONNECTION_BASE_ADDRESS 0xDF000000

extern dataport_caps_handle_t dp_a_handle;
extern dataport_caps_handle_t dp_b_handle;
extern seL4_Word wake_a_notification_badge(void);
extern seL4_Word wake_b_notification_badge(void);

static struct camkes_crossvm_connection connections[2];

static int wake_callback(vm_t *vm, void *cookie)
{
    consume_connection_event(vm, (seL4_Word) cookie, true);
    return 0;
}

void init_cross_vm_connections(vm_t *vm, void *cookie)
{
    connections[0] = (struct camkes_crossvm_connection) {
        &dp_a_handle, kick_a_emit, wake_a_notification_badge(), dp_a_name
    };
    connections[1] = (struct camkes_crossvm_connection) {
        &dp_b_handle, kick_b_emit, wake_b_notification_badge(), dp_b_name
    };
    for (int i = 0; i < 2; i++) {
        int err = register_async_event_handler(connections[i].consume_badge, wake_callback,
                                               (void *) connections[i].consume_badge);
        ZF_LOGF_IF(err, "Failed to register the async event handler of %s", connections[i].connection_name);
    }
    cross_vm_connections_init(vm, CONNECTION_BASE_ADDRESS, connections, ARRAY_SIZE(connections));
}

DEFINE_MODULE(cross_vm_connections, NULL, init_cross_vm_connections)
