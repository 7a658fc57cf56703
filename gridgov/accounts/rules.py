"""Rules on signing in and sessions, each with its source.

GB/T 22239-2019 (等级保护 2.0) asks every system that holds citizens' personal information to
limit failed sign-ins, lock out after repeated failures and end idle sessions; it leaves the
numbers to the operator. The defaults below are the values commonly required at assessment
(连续失败5次锁定, 空闲30分钟退出); a county sets its own through GRIDGOV_RULES.
"""

from gridgov.core.rules import define

_GBT22239 = "GB/T 22239-2019《网络安全等级保护基本要求》8.1.4.1 b)：登录失败处理、限制非法登录次数、登录连接超时自动退出"

SIGNIN_MAX_FAILURES = define(
    "accounts.signin_max_failures",
    5,
    source=_GBT22239,
    description="同一账号在计时窗口内连续登录失败达到此次数即锁定该账号（含第5次），不影响其他账号",
)
SIGNIN_WINDOW_MINUTES = define(
    "accounts.signin_window_minutes",
    15,
    source=_GBT22239,
    description="统计登录失败次数的时间窗口（分钟）",
)
SIGNIN_LOCKOUT_MINUTES = define(
    "accounts.signin_lockout_minutes",
    30,
    source=_GBT22239,
    description="锁定时长（分钟），自最后一次失败起算；期间密码正确也不能登录",
)
SIGNIN_MAX_FAILURES_PER_IP = define(
    "accounts.signin_max_failures_per_ip",
    20,
    source=_GBT22239,
    description="同一来源地址（IPv6 按 /64 计）在其计时窗口内登录失败达到此次数即短暂停止该地址登录"
    "（防止轮换账号试密码）",
)
# The address's lock is short on purpose: a whole office, a village behind one carrier NAT, or
# everybody behind a proxy that is not in GRIDGOV_TRUSTED_PROXIES share one address, and a lock
# of the address holds all of them out. The account's own lock (above) is the long one.
SIGNIN_ADDRESS_WINDOW_MINUTES = define(
    "accounts.signin_address_window_minutes",
    5,
    source=_GBT22239,
    description="统计同一来源地址登录失败次数的时间窗口（分钟）",
)
SIGNIN_ADDRESS_LOCKOUT_MINUTES = define(
    "accounts.signin_address_lockout_minutes",
    5,
    source=_GBT22239,
    description="来源地址被暂停登录的时长（分钟），自最后一次失败起算；只停该地址，不锁任何账号",
)
SESSION_IDLE_MINUTES = define(
    "accounts.session_idle_minutes",
    30,
    source=_GBT22239,
    description="网页登录空闲超过此时长（分钟）自动退出",
)
SESSION_MAX_HOURS = define(
    "accounts.session_max_hours",
    12,
    source=_GBT22239,
    description="一次登录最长有效时长（小时），到期须重新登录",
)
API_TOKEN_MAX_DAYS = define(
    "accounts.api_token_max_days",
    365,
    source="《个人信息保护法》第51条（采取相应的加密、去标识化等安全技术措施）；本平台约定",
    description="接口令牌的最长有效期（天）；令牌到期失效，可随时吊销",
)
REVEAL_REASON_MIN_CHARS = define(
    "accounts.reveal_reason_min_chars",
    4,
    source="《个人信息保护法》第6条（最小必要）、第51条；本平台约定",
    description="查看完整证件号、电话或导出完整信息时，须填写的事由最少字数",
)
