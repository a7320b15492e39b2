"""Every string the phone app shows, in Vietnamese, through the product's gettext catalogues.

The app asks for ``/app/i18n/<lang>.json`` (views.catalogue) and looks strings up by key, so English comes
from ``locale/en`` like the rest of the product (``make messages``). Placeholders use gettext's Python
format, ``%(count)d``; the app fills them in.
"""

from django.utils.translation import gettext_lazy as _

STRINGS = {
    "app.name": _("Tổ công nghệ số cộng đồng"),
    "app.short": _("Tổ CNSCĐ"),
    "common.back": _("Quay lại"),
    "common.cancel": _("Huỷ"),
    "common.yes": _("Có"),
    "common.no": _("Không"),
    # Signing in and out
    "signin.lead": _("Đăng nhập một lần; sau đó ứng dụng dùng được cả khi không có mạng."),
    "signin.username": _("Tên đăng nhập"),
    "signin.password": _("Mật khẩu"),
    "signin.submit": _("Đăng nhập"),
    "signin.busy": _("Đang đăng nhập…"),
    "signin.offline": _("Cần có mạng để đăng nhập lần đầu."),
    "signin.role_refused": _(
        "Ứng dụng này dành cho thành viên tổ, tổ trưởng và lãnh đạo xã. "
        "Cán bộ tỉnh và quản trị viên dùng trang bản đồ và báo cáo trên máy tính."
    ),
    "role.web": _("Mở trang bản đồ và báo cáo"),
    # The phone only knows that the server refused its token: every reason it can be, said as such.
    "reauth.title": _("Cần nhập lại mật khẩu"),
    "reauth.lead": _(
        "Máy chủ không còn nhận phiên đăng nhập của %(user)s trên máy này: mật khẩu đã được đổi (ở máy khác "
        "hoặc do tổ trưởng cấp lại), tài khoản bị tạm dừng, hoặc phiên đã hết hạn. Nhập mật khẩu hiện tại "
        "để tiếp tục gửi."
    ),
    "reauth.kept": _("%(count)d mục chờ gửi vẫn được giữ trên máy này."),
    "reauth.help": _(
        "Nếu mật khẩu không còn đúng hoặc tài khoản bị tạm dừng, hãy nhờ tổ trưởng hoặc xã; các mục chờ gửi "
        "vẫn ở trên máy này."
    ),
    "reauth.submit": _("Đăng nhập lại"),
    "signout.waiting_title": _("Còn %(count)d mục chưa gửi lên máy chủ"),
    "signout.sync_first": _("Đồng bộ trước"),
    "signout.anyway": _("Vẫn đăng xuất"),
    # Roles (API values)
    "role.volunteer": _("Thành viên tổ"),
    "role.team_leader": _("Tổ trưởng"),
    "role.commune_leader": _("Lãnh đạo xã"),
    "role.province_officer": _("Cán bộ tỉnh"),
    "role.admin": _("Quản trị hệ thống"),
    # Bottom bar
    "nav.households": _("Hộ dân"),
    "nav.group": _("Buổi nhóm"),
    "nav.sync": _("Đồng bộ"),
    "nav.guide": _("Cẩm nang"),
    "nav.me": _("Tài khoản"),
    "update.ready": _("Có phiên bản mới của ứng dụng. Dữ liệu chờ gửi được giữ nguyên khi cập nhật."),
    "update.apply": _("Cập nhật"),
    # Household list (the coach)
    "list.search": _("Tìm hộ, chủ hộ"),
    "list.add": _("+ Hộ mới"),
    "list.total": _("%(count)d hộ, việc cần làm trước ở trên cùng"),
    "list.found": _("Tìm thấy %(count)d / %(total)d hộ"),
    "list.empty": _("Chưa có hộ nào trong các thôn của bạn."),
    "list.first_sync": _("Đang chờ tải danh sách lần đầu (cần có mạng)."),
    "list.more": _("Xem thêm (còn %(count)d)"),
    "list.followup": _("Hẹn theo dõi: %(service)s, hạn %(date)s"),
    "list.pending_local": _("Đang chờ: %(service)s"),
    "list.never_visited": _("Chưa thăm"),
    "list.missing": _("Thiếu %(count)d dịch vụ"),
    "list.moved": _("Đã chuyển đi"),
    "list.waiting": _("Chờ gửi"),
    # One household
    "household.gone": _("Hộ này không còn trong danh sách của bạn."),
    "household.members": _("%(count)d nhân khẩu"),
    "household.last_visit": _("Lần thăm gần nhất: %(date)s, %(outcome)s"),
    "household.done": _("Đã làm"),
    "household.and_more": _("và %(count)d dịch vụ khác"),
    "household.missing": _("Còn thiếu"),
    "household.next_guide": _("Hướng dẫn dịch vụ tiếp theo"),
    "household.edit": _("Sửa thông tin hộ"),
    "household.new": _("Đăng ký hộ mới"),
    "household.village": _("Thôn, tổ dân phố"),
    "household.label": _("Tên gọi của hộ"),
    "household.label_hint": _("Ví dụ: Nhà ông Ba, số 12"),
    "household.members_label": _("Số nhân khẩu"),
    "household.working_age": _("Trong độ tuổi lao động"),
    "household.consent": _("Hộ đồng ý cho lưu tên chủ hộ và số điện thoại"),
    "household.consent_hint": _("Chỉ ghi tên và số điện thoại khi hộ đã đồng ý (Nghị định 13/2023)."),
    "household.head_name": _("Tên chủ hộ"),
    "household.phone": _("Số điện thoại"),
    "household.save": _("Lưu hộ"),
    "household.saved": _("Đã lưu hộ, chờ gửi."),
    "household.label_required": _("Cần nhập tên gọi của hộ."),
    "household.working_age_too_big": _("Số người trong độ tuổi lao động không được lớn hơn số nhân khẩu."),
    "household.phone_digits": _("Số điện thoại chỉ gồm chữ số."),
    # Visit form
    "visit.outcome": _("Kết quả lần thăm"),
    "visit.services": _("Đã hỗ trợ dịch vụ nào?"),
    "visit.missing": _("còn thiếu"),
    "visit.result": _("Kết quả"),
    "visit.people": _("Số người được hướng dẫn"),
    "visit.notes": _("Ghi chú"),
    "visit.save": _("Lưu lượt thăm"),
    "visit.saved": _("Đã lưu lượt thăm, chờ gửi."),
    "outcome.met": _("Gặp được"),
    "outcome.not_home": _("Không có nhà"),
    "outcome.come_back": _("Hẹn quay lại"),
    "outcome.refused": _("Từ chối"),
    "outcome.moved": _("Đã chuyển đi"),
    "result.done": _("Xong"),
    "result.pending": _("Đang chờ"),
    "result.failed": _("Không được"),
    "gps.fix": _("Đã có vị trí GPS (±%(accuracy)d m)"),
    "gps.waiting": _("Đang lấy vị trí GPS; không cần chờ, cứ lưu."),
    # Group session
    "group.title": _("Buổi hướng dẫn tập trung"),
    "group.lead": _("Ghi một buổi sinh hoạt ở nhà văn hoá thôn: đếm theo số người tham dự."),
    "group.held_at": _("Thời gian"),
    "group.attendees": _("Số người tham dự"),
    "group.services": _("Nội dung hướng dẫn"),
    "group.services_required": _("Chọn ít nhất một nội dung."),
    "group.save": _("Lưu buổi hướng dẫn"),
    "group.saved": _("Đã lưu buổi hướng dẫn, chờ gửi."),
    # Handbook
    "guide.title": _("Cẩm nang hướng dẫn"),
    "guide.lead": _("Các bước hướng dẫn từng dịch vụ; đọc được cả khi không có mạng."),
    # Sync
    "sync.title": _("Đồng bộ"),
    "sync.online": _("Đang có mạng"),
    "sync.offline": _("Ngoại tuyến"),
    "sync.offline_long": _("Không có mạng: mọi thứ được lưu trên máy và sẽ gửi khi có mạng"),
    "sync.running": _("Đang đồng bộ…"),
    "sync.failed": _("Chưa gửi được"),
    "sync.retrying": _("Lần đồng bộ trước chưa xong; máy sẽ tự thử lại."),
    "sync.never": _("Chưa đồng bộ lần nào"),
    "sync.synced_at": _("Đồng bộ %(time)s"),
    "sync.last": _("Lần đồng bộ gần nhất: %(time)s"),
    "sync.now": _("Đồng bộ ngay"),
    "sync.waiting_short": _("%(count)d chờ"),
    "sync.waiting_title": _("Chờ gửi"),
    "sync.waiting_summary": _("%(visits)d lượt thăm, %(households)d hộ, %(sessions)d buổi nhóm chờ gửi"),
    "sync.nothing_waiting": _("Không còn gì chờ gửi."),
    "sync.rejected_title": _("Máy chủ từ chối"),
    "sync.conflicts_title": _("Cần bạn chọn"),
    "sync.conflict_title": _("%(label)s: đã được sửa ở máy khác"),
    "sync.conflict_lead": _("Chọn giữ bản nào. Dòng in đậm là chỗ khác nhau."),
    "sync.server_version": _("Trên máy chủ"),
    "sync.my_version": _("Của bạn"),
    "sync.keep_mine": _("Giữ bản của tôi"),
    "sync.keep_server": _("Dùng bản trên máy chủ"),
    "sync.fix": _("Sửa rồi gửi lại"),
    "sync.fixed": _("Mục này đã được xử lý."),
    "sync.discard": _("Bỏ mục này"),
    "sync.discard_confirm": _("Chắc chắn bỏ"),
    "item.visit": _("Lượt thăm %(household)s (%(outcome)s, %(time)s)"),
    "item.household": _("Hộ %(label)s"),
    "item.group_session": _("Buổi nhóm ở %(village)s, %(time)s, %(count)d người"),
    "field.village": _("Thôn"),
    "field.label": _("Tên gọi"),
    "field.head_name": _("Chủ hộ"),
    "field.phone": _("Điện thoại"),
    "field.members": _("Nhân khẩu"),
    "field.working_age": _("Độ tuổi lao động"),
    "field.consent": _("Đồng ý lưu tên"),
    # Account
    "me.title": _("Tài khoản"),
    "me.name": _("Họ và tên"),
    "me.username": _("Tên đăng nhập"),
    "me.role": _("Vai trò"),
    "me.villages": _("Thôn phụ trách"),
    "me.language": _("Ngôn ngữ"),
    "me.signout": _("Đăng xuất"),
    # Issue 22 §1, §2, §5: no item waits forever; drafts, edits, a repeat visit; the list offline
    "signin.leaving_kept": _(
        "%(user)s còn %(count)d mục chưa gửi, được giữ trên máy này; đăng nhập lại bằng tài khoản đó để gửi."
    ),
    "signout.waiting_lead_kept": _(
        "Nên đồng bộ trước khi đăng xuất. Nếu vẫn đăng xuất, các mục này được giữ trên máy (phiên đăng nhập "
        "thì không) và chỉ được gửi khi bạn đăng nhập lại trên máy này."
    ),
    "signout.busy": _("Đang gửi nốt rồi đăng xuất…"),
    "list.tried": _("%(outcome)s lúc %(date)s"),
    "list.village_filter": _("Lọc theo thôn"),
    "list.all_villages": _("Tất cả các thôn"),
    "visit.draft_restored": _("Đã khôi phục bản nháp chưa lưu."),
    "visit.draft_clear": _("Xoá nháp"),
    "visit.repeat_title": _("Hộ này vừa có lượt thăm lúc %(time)s (%(outcome)s)."),
    "visit.repeat_lead": _(
        "Ghi thêm một lượt thăm nữa? Nếu chỉ muốn sửa lượt vừa ghi, chọn Sửa lượt vừa ghi."
    ),
    "visit.repeat_save": _("Vẫn lưu lượt mới"),
    "visit.repeat_edit": _("Sửa lượt vừa ghi"),
    "item.unknown_household": _("một hộ không còn trong danh sách"),
    "sync.and_more": _("và %(count)d mục khác"),
    "sync.edit": _("Sửa"),
    "sync.delete": _("Xoá"),
    "sync.edit_lead": _("Mục này chưa được gửi: sửa xong, máy sẽ gửi bản mới."),
    "sync.discard_question": _("Bỏ hẳn %(item)s? Mục này sẽ không được gửi và không lấy lại được."),
    "sync.item_stopped": _("Đã thử %(count)d lần, dừng gửi tự động."),
    "sync.item_retrying": _("Máy chủ chưa nhận (đã thử %(count)d lần); máy sẽ tự thử lại sau."),
    "sync.stopped": _("Đã thử %(count)d lần, dừng gửi tự động. Kiểm tra mạng rồi bấm Thử gửi lại."),
    "sync.retry": _("Thử gửi lại"),
    "sync.final_title": _("Máy chủ không nhận được"),
    "sync.stopped_title": _("Đã dừng gửi tự động"),
    "final.erased": _("Hộ này đã bị xoá trên máy chủ theo yêu cầu của người dân."),
    "final.erased_lead": _(
        "Mục này không gửi được nữa và hộ đã rời danh sách của bạn. Bấm “Chuyển cho tổ trưởng” để tổ trưởng "
        "xem, hoặc bỏ mục này."
    ),
    "final.outside": _("Hộ này không còn thuộc các thôn của bạn (có thể đã chuyển sang tổ khác)."),
    "final.outside_lead": _(
        "Máy chủ không nhận mục này từ bạn. Bấm “Chuyển cho tổ trưởng” để tổ trưởng xem và ghi thay, hoặc bỏ "
        "mục này."
    ),
    "final.stored": _("Máy chủ đã nhận bản trước của mục này; bản đã lưu không sửa được nữa."),
    "final.stored_lead": _(
        "Máy chủ giữ bản đã nhận. Nếu cần sửa, bấm “Chuyển cho tổ trưởng” để tổ trưởng xem; nếu không, bỏ "
        "mục này."
    ),
    "field.household": _("Hộ"),
    "field.visited_at": _("Thời gian thăm"),
    "field.outcome": _("Kết quả"),
    "field.help": _("Dịch vụ đã hỗ trợ"),
    "field.notes": _("Ghi chú"),
    "field.held_at": _("Thời gian"),
    "field.services": _("Nội dung hướng dẫn"),
    "field.attendees": _("Số người tham dự"),
    # Issue 23 §5: the member's own password after a handed-out one; issue 22 §6: keeping what is stored
    "password.title": _("Đặt mật khẩu của bạn"),
    "password.lead": _(
        "Tài khoản %(user)s đang dùng mật khẩu được cấp (trên phiếu, hoặc do tổ trưởng đặt lại). Hãy đặt "
        "mật khẩu riêng, chỉ bạn biết, trước khi bắt đầu."
    ),
    "password.current": _("Mật khẩu được cấp"),
    "password.new": _("Mật khẩu mới"),
    "password.again": _("Nhập lại mật khẩu mới"),
    "password.hint": _("Dễ nhớ với bạn, khó đoán với người khác; máy chủ sẽ báo nếu chưa đạt."),
    "password.mismatch": _("Hai lần nhập mật khẩu mới không khớp."),
    "password.submit": _("Lưu mật khẩu"),
    "password.busy": _("Đang lưu…"),
    "password.saved": _("Đã đặt mật khẩu mới. Các máy khác đang đăng nhập tài khoản này phải đăng nhập lại."),
    "password.kept": _("%(count)d mục chờ gửi vẫn được giữ trên máy này."),
    "password.offline": _(
        "Cần có mạng để đặt mật khẩu. Bạn vẫn ghi được lượt thăm; khi có mạng, ứng dụng sẽ hỏi lại."
    ),
    "password.later": _("Làm việc trước, đặt mật khẩu sau"),
    "password.deferred": _("Bạn chưa đặt mật khẩu riêng; khi có mạng, ứng dụng sẽ hỏi lại."),
    "storage.low": _("Bộ nhớ của máy sắp đầy: còn khoảng %(free)d MB cho ứng dụng."),
    "storage.low_lead": _(
        "Hãy đồng bộ khi có mạng và xoá bớt ảnh, video hay ứng dụng không dùng. Nếu hết chỗ, máy không lưu "
        "thêm được lượt thăm mới."
    ),
    "storage.not_kept": _(
        "Trình duyệt chưa cam kết giữ dữ liệu của ứng dụng: khi máy thiếu bộ nhớ, dữ liệu có thể bị xoá, kể "
        "cả các mục chưa gửi. Hãy cài ứng dụng lên màn hình chính và đồng bộ thường xuyên."
    ),
    "storage.kept": _("Trình duyệt giữ dữ liệu của ứng dụng lâu dài, không tự xoá khi máy thiếu bộ nhớ."),
    # Issue 21 §1: what the commune leader decided about the volunteer's flagged visits
    "review.held": _("Chờ xã xác nhận"),
    "review.confirmed": _("Xã đã xác nhận"),
    "review.rejected": _("Xã không tính: %(reason)s"),
    "review.item": _("Lượt thăm %(household)s lúc %(time)s"),
    "sync.reviews_title": _("Lượt thăm xã đang xem xét"),
    "sync.reviews_lead": _(
        "Lượt thăm có cảnh báo (như vị trí nghi giả lập) chưa được tính cho đến khi lãnh đạo xã xác nhận."
    ),
    # Issue 22 §4: the server's rules at the doorstep (limits from core/record_spec.phone_rules)
    "rule.required": _("Trường này là bắt buộc."),
    "rule.max_length": _("Tối đa %(count)d ký tự."),
    "rule.pattern": _("Có ký tự không được phép."),
    "rule.range": _("Phải từ %(low)s đến %(high)s."),
    "rule.items": _("Chọn từ %(low)d đến %(high)d nội dung."),
    "rule.help_items": _("Tối đa %(count)d dịch vụ trong một lượt thăm."),
    "rule.date_ahead": _(
        "Ngày này quá xa: không được sau %(latest)s (tối đa %(days)d ngày tính từ hôm nay)."
    ),
    "rule.date_before": _("Ngày này quá sớm: không được trước %(earliest)s."),
    # Issue 22 §5: the return date, the day's counts, village progress
    "visit.return_on": _("Ngày hẹn quay lại (không bắt buộc)"),
    "visit.return_past": _("Ngày hẹn quay lại không được trước hôm nay (%(date)s)."),
    "list.return_on": _("Quay lại ngày %(date)s"),
    "list.today": _("Hôm nay: %(count)d hộ đã thăm"),
    "list.week": _("Tuần này: %(count)d hộ"),
    "list.reached": _("%(reached)d/%(total)d hộ"),
    # Issue 22 §7: the walk map, offline
    "map.open": _("Bản đồ đi thăm"),
    "map.title": _("Bản đồ đi thăm"),
    "map.empty": _("Chưa có ranh giới thôn hay vị trí GPS của hộ nào để vẽ."),
    "map.due": _("Đến hạn theo dõi: %(count)d"),
    "map.tried": _("Chưa gặp được: %(count)d"),
    "map.never": _("Chưa thăm: %(count)d"),
    "map.reached": _("Đã gặp: %(count)d"),
    "map.no_position": _("%(count)d hộ chưa có vị trí GPS nên không hiện trên bản đồ."),
    "map.where": _("Tôi ở đâu"),
    "map.locating": _("Đang lấy vị trí…"),
    "map.here": _("Chấm xanh là chỗ bạn đứng (±%(accuracy)d m)."),
    "map.outside": _("Bạn đang ở ngoài khu vực trên bản đồ."),
    "map.no_gps": _("Không lấy được vị trí: hãy bật GPS và cho phép ứng dụng dùng vị trí."),
    # Issue 22 §1, §3, §6 (the sync side): hand to the team leader, merge per field, sign in again offline
    "signin.offline_other": _("Cần mạng để đăng nhập tài khoản khác"),
    "signin.offline_wrong": _(
        "Sai mật khẩu. Không có mạng nên máy chỉ kiểm tra mật khẩu của lần đăng nhập gần nhất trên máy này."
    ),
    "handoff.open": _("Chuyển cho tổ trưởng"),
    "handoff.note": _("Lời nhắn cho tổ trưởng (không bắt buộc)"),
    "handoff.lead": _(
        "Tổ trưởng sẽ thấy tên hộ, thời điểm, kết quả và lời nhắn này. Không ghi số căn cước công dân."
    ),
    "handoff.send": _("Gửi cho tổ trưởng"),
    "handoff.waiting": _("Đã chuyển cho tổ trưởng; sẽ gửi đi khi có mạng."),
    "handoff.refused": _("Máy chủ không nhận lời nhắn: %(reason)s"),
    "merge.lead": _(
        "Những trường dưới đây đã được sửa cả ở máy bạn và trên máy chủ. Chọn giữ bản nào cho từng trường; "
        "các thay đổi khác của bạn đã được lưu."
    ),
    "merge.mine": _("Của tôi"),
    "merge.theirs": _("Trên máy chủ"),
    "merge.unknown": _("không rõ ai sửa, lúc nào"),
    "merge.send": _("Gửi lựa chọn"),
    "field.lat": _("Vĩ độ"),
    "field.lon": _("Kinh độ"),
    # Issue 22 §1, the leader's side: notes handed over by the team's members, read (and handled) offline
    "notes.title": _("Ghi chú từ thành viên"),
    "notes.lead": _(
        "Mục máy chủ không nhận mà thành viên trong tổ đã chuyển cho bạn. Bấm “Đã xử lý” khi đã giải quyết "
        "xong."
    ),
    "notes.none": _("Chưa có ghi chú nào từ thành viên."),
    "notes.unhandled": _("Số ghi chú chưa xử lý"),
    "notes.from": _("Từ: %(name)s"),
    "notes.server": _("Máy chủ: %(reason)s"),
    "notes.kind_household": _("Thông tin hộ (thêm hoặc sửa)"),
    "notes.kind_group_session": _("Buổi sinh hoạt nhóm"),
    "notes.handle": _("Đã xử lý"),
    "notes.handled_at": _("Đã xử lý %(time)s"),
    "notes.handled_waiting": _("Đã xử lý; sẽ báo lên máy chủ khi có mạng."),
    "notes.cached": _("Không có mạng: đây là bản lưu trên máy lúc %(time)s."),
}
