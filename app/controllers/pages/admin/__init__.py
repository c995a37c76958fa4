"""The admin pages under `/admin`, one module per area; admins only (non-admins get 403, visitors the login page).

Each page's service checks the permission; the few pages that read through services customers may
also use (the product list, all orders) check it themselves before anything else.
"""

from app.controllers.pages.admin.audit import AdminAuditController
from app.controllers.pages.admin.coupons import AdminCouponsController
from app.controllers.pages.admin.dashboard import AdminDashboardController
from app.controllers.pages.admin.flags import AdminFlagsController
from app.controllers.pages.admin.groups import AdminGroupsController
from app.controllers.pages.admin.orders import AdminOrdersController
from app.controllers.pages.admin.products import AdminProductsController
from app.controllers.pages.admin.reports import AdminReportController
from app.controllers.pages.admin.users import AdminUsersController

__all__ = [
    "AdminAuditController",
    "AdminCouponsController",
    "AdminDashboardController",
    "AdminFlagsController",
    "AdminGroupsController",
    "AdminOrdersController",
    "AdminProductsController",
    "AdminReportController",
    "AdminUsersController",
]
