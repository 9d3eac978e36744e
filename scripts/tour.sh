#!/usr/bin/env bash
# One full curl session: carries the demo case from under_review to in_force and into its life (run after `make run`,
# in another shell).
set -e
BASE=http://127.0.0.1:8000/api/v1
tok() { python3 -c "import json,sys; print(json.load(open('var/demo-tokens.json'))['tokens'][sys.argv[1]])" "$1"; }
CASE=$(python3 -c "import json; print(json.load(open('var/demo-tokens.json'))['case_id'])")
version() { curl -s -H "Authorization: Bearer $(tok union)" $BASE/cases/$CASE | python3 -c "import json,sys; print(json.load(sys.stdin)['version'])"; }
ev() {  # ev WHO EVENT DATA
  curl -s -X POST -H "Authorization: Bearer $(tok $1)" -H 'Content-Type: application/json' \
       -d "{\"event\": \"$2\", \"expected_version\": $(version), \"data\": ${3:-{\}}}" $BASE/cases/$CASE/events \
  | python3 -c "import json,sys; c=json.load(sys.stdin); print(c.get('state', c), c.get('version', ''))"
}
curl -s -H "Authorization: Bearer $(tok enterprise_1)" "$BASE/cases/$CASE/drafts/2/diff?against=1"; echo
for who in employer_body enterprise_1 enterprise_2 enterprise_3 enterprise_4; do ev $who approve_draft; done
ev union open_vote
ev union record_vote '{"draft_version": 2, "members": 45, "present": 40, "yes": 36, "no": 3, "abstain": 1, "held_on": "2026-12-01"}'
ev union sign '{"signed_on": "2026-12-02", "signatory": "李建国"}'
ev employer_body sign '{"signed_on": "2026-12-02", "signatory": "张伟"}'
ev union file '{"filed_on": "2026-12-04"}'
ev bureau record_receipt '{"received_on": "2026-12-07", "receipt_no": "西人社集审〔2026〕12号"}'
ev bureau approve '{"approved_on": "2026-12-15"}'
ev union publish '{"published_on": "2026-12-16", "channels": ["平台App公告", "站点公告栏"]}'
curl -s -H "Authorization: Bearer $(tok union)" $BASE/cases/$CASE/documents | python3 -m json.tool | grep '"kind"'
curl -s -H "Authorization: Bearer $(tok union)" $BASE/cases/$CASE \
  | python3 -c "import json,sys; [print(d['kind'], d['rule'], d['trigger_on'], d['due_on'], d['calendar']) for d in json.load(sys.stdin)['deadlines'] if d['status'] == 'open']"
curl -s -X POST -H "Authorization: Bearer $(tok union)" -H 'Content-Type: application/json' $BASE/cases/$CASE/meetings \
     -d '{"purpose": "algorithm_talks", "held_on": "2027-03-02", "location": "西安市总工会", "chair_side": "worker", "recorder": "周敏", "summary": "平台通报派单算法调整方案"}'; echo
post() { curl -s -X POST -H "Authorization: Bearer $(tok $1)" -H 'Content-Type: application/json' -d "$3" $BASE/cases/$CASE/$2; echo; }
post enterprise_1 rule_changes '{"title": "派单算法调整", "summary": "高峰时段按距离优先派单", "topics": ["order_allocation"], "notified_on": "2027-03-10", "effective_on": "2027-03-25"}'
post enterprise_1 rule_changes '{"title": "派单算法调整", "summary": "高峰时段按距离优先派单", "topics": ["order_allocation"], "notified_on": "2027-03-10", "effective_on": "2027-04-12"}'
post union rule_changes/1/responses '{"position": "request_talks", "comment": "请就派单算法开展专项协商"}'
post union inspections '{"held_on": "2027-06-15", "inspectors": ["周敏", "赵磊"], "findings": [{"clause": "piece_rates", "status": "breached", "note": "两个站点夜间补贴未按本合同发放"}, {"clause": "rest_leave", "status": "complied"}]}'
ENT=$(curl -s -H "Authorization: Bearer $(tok union)" $BASE/cases/$CASE | python3 -c "import json,sys; print(json.load(sys.stdin)['covered_enterprise_ids'][0])")
post union supervision_letters '{"kind": "opinion", "addressee_org_id": '$ENT', "issued_on": "2027-06-20", "text": "请于十五日内补发夜间补贴并书面答复", "clauses": ["piece_rates"], "reply_within_days": 15}'
curl -s -H "Authorization: Bearer $(tok union)" $BASE/calendar/2027; echo
