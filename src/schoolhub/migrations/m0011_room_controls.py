"""Live classes: the host's audio/video controls (issue "Live classes", unmute).

* ``participants_may_unmute`` / ``participants_may_start_video`` on rooms and meetings: may a
  participant a host muted (or whose video a host stopped) turn it back on by themselves? A class
  session teacher typically turns this off; hosts and co-hosts are never restricted.
* ``unmute_permitted`` / ``video_permitted`` on participants: a host asked this participant to
  unmute (start video). Hosts can never unmute anyone directly: the request lets the participant
  do it themselves once, even where self-unmute is turned off. Cleared when used or on the next
  mute / stop by a host.
"""

SQL = r"""
ALTER TABLE realtime_room
  ADD COLUMN participants_may_unmute boolean NOT NULL DEFAULT true,
  ADD COLUMN participants_may_start_video boolean NOT NULL DEFAULT true;
ALTER TABLE realtime_meeting
  ADD COLUMN participants_may_unmute boolean NOT NULL DEFAULT true,
  ADD COLUMN participants_may_start_video boolean NOT NULL DEFAULT true;
ALTER TABLE realtime_participant
  ADD COLUMN unmute_permitted boolean NOT NULL DEFAULT false,
  ADD COLUMN video_permitted boolean NOT NULL DEFAULT false;
ALTER TABLE realtime_meeting_participant
  ADD COLUMN unmute_permitted boolean NOT NULL DEFAULT false,
  ADD COLUMN video_permitted boolean NOT NULL DEFAULT false;
"""
